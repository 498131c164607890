"""The learned estimator: logistic regression over the shared features plus a small vocabulary,
or two of them (a pair's expected gain).

Inference is pure Python (about twenty multiply-adds and one dict lookup per distinct word);
the weights live in a small JSON file. Training is in :mod:`costroute.train.fit` (and, for the
two-model form, :func:`costroute.eval.from_ledger.train_from_ledger`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from costroute.difficulty._features import FEATURE_NAMES, compute
from costroute.difficulty._heuristic import categorize, top_features
from costroute.difficulty._text import extract
from costroute.difficulty._types import Difficulty, Messages, calibrated_threshold
from costroute.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["FORMAT", "FORMAT_TWO", "LearnedEstimator", "default_weights_path"]

FORMAT = "costroute.difficulty.learned/1"
FORMAT_TWO = "costroute.difficulty.learned/2"
"""The format of a two-model estimator (``weak_weights``/``weak_bias`` too); one-model weights
are still written (and digested) as :data:`FORMAT`, and both load."""


def default_weights_path() -> Path:
    """Path of the weights shipped in the package."""
    from pathlib import Path

    return Path(__file__).with_name("weights") / "default.json"


def _config_error(path: str, detail: str) -> Exception:
    return ConfigError(
        f"Difficulty weights {path!r} {detail}.",
        field="LearnedEstimator.load(path)",
        fix="pass the path of a file written by LearnedEstimator.save(), or None for the "
        "shipped weights (reinstall costroute if those are broken)",
    )


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


class LearnedEstimator:
    """``sigmoid(bias + sum w_i * (x_i - mean_i) / std_i + sum_{word in prompt} vocab[word])``.

    With ``weak_weights`` (a two-model estimator, no vocabulary) it is the pair's expected gain
    ``(1 + sigmoid(z_strong) - sigmoid(z_weak)) / 2``, where ``z_strong`` is the logit above
    (``P(strong right)``) and ``z_weak = weak_bias + sum weak_w_i * (x_i - mean_i) / std_i``
    (``P(weak right)``) on the same standardised features: in [0, 1] and increasing in the
    difference, so a threshold on it routes like one on the difference.

    Build one with :meth:`load`, :func:`costroute.train.fit.train` or
    :func:`costroute.eval.from_ledger.train_from_ledger`.
    ``meta`` keeps what the file says about its training (data, date, CV figures).
    """

    __slots__ = (
        "_coef",
        "_offset",
        "_weak_coef",
        "_weak_offset",
        "bias",
        "mean",
        "meta",
        "name",
        "source",
        "std",
        "vocab",
        "weak_bias",
        "weak_weights",
        "weights",
    )

    def __init__(
        self,
        weights: Sequence[float],
        bias: float,
        mean: Sequence[float],
        std: Sequence[float],
        vocab: Mapping[str, float] | None = None,
        meta: Mapping[str, Any] | None = None,
        name: str = "learned",
        *,
        weak_weights: Sequence[float] | None = None,
        weak_bias: float = 0.0,
    ) -> None:
        n = len(FEATURE_NAMES)
        weak_n = n if weak_weights is None else len(weak_weights)
        if not (len(weights) == len(mean) == len(std) == weak_n == n):
            raise ConfigError(
                f"LearnedEstimator needs {n} weights, means and stds (one per feature); got "
                f"{len(weights)}, {len(mean)} and {len(std)}"
                + ("" if weak_weights is None else f" ({len(weak_weights)} weak weights)")
                + ".",
                field="weights/mean/std",
                fix="train with costroute.train.fit.train(), or load a weights file",
            )
        if weak_weights is not None and vocab:
            raise ConfigError(
                "A two-model LearnedEstimator (weak_weights given) has no vocabulary.",
                field="vocab",
                fix="pass vocab=None with weak_weights",
            )
        self.weights = tuple(float(w) for w in weights)
        self.bias = float(bias)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) if s > 0 else 1.0 for s in std)
        self.vocab = dict(vocab or {})
        self.meta = dict(meta or {})
        self.name = name
        self.source: str | None = None
        """The weights file it was loaded from (None for the shipped weights or built in code)."""
        self._coef = [w / s for w, s in zip(self.weights, self.std, strict=True)]
        self._offset = self.bias - sum(c * m for c, m in zip(self._coef, self.mean, strict=True))
        self.weak_weights = None if weak_weights is None else tuple(float(w) for w in weak_weights)
        """P(weak right)'s weights (None: a one-model estimator)."""
        self.weak_bias = float(weak_bias)
        self._weak_coef = [w / s for w, s in zip(self.weak_weights or (), self.std, strict=False)]
        self._weak_offset = self.weak_bias - sum(
            c * m for c, m in zip(self._weak_coef, self.mean, strict=False)
        )

    def estimate(self, messages: Messages) -> Difficulty:
        """Score ``messages``; ``features`` explains it against the average training prompt."""
        f = compute(extract(messages))
        v = f.values
        z = self._offset
        for c, x in zip(self._coef, v, strict=True):
            z += c * x
        word_part = 0.0
        if self.vocab:
            get = self.vocab.get
            word_part = sum(get(w, 0.0) for w in set(f.words))
            z += word_part
        if self.weak_weights is None:
            score, coef = _sigmoid(z), self._coef
        else:  # the expected gain; each feature's part is its first-order effect on it
            zw = self._weak_offset + sum(c * x for c, x in zip(self._weak_coef, v, strict=True))
            ps, pw = _sigmoid(z), _sigmoid(zw)
            score = (1.0 + ps - pw) / 2.0
            ds, dw = ps * (1.0 - ps) / 2.0, pw * (1.0 - pw) / 2.0
            coef = [ds * c - dw * cw for c, cw in zip(self._coef, self._weak_coef, strict=True)]
        terms = [
            (name, c * (x - m))
            for name, c, x, m in zip(FEATURE_NAMES, coef, v, self.mean, strict=True)
        ]
        if word_part:
            terms.append(("words", word_part))
        return Difficulty(score, categorize(v, f.words), top_features(terms))

    def to_json(self) -> dict[str, Any]:
        """The JSON form written by :meth:`save` (:data:`FORMAT`, or :data:`FORMAT_TWO` with
        ``weak_weights`` and ``weak_bias`` for a two-model estimator)."""
        out: dict[str, Any] = {
            "format": FORMAT if self.weak_weights is None else FORMAT_TWO,
            "features": list(FEATURE_NAMES),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
        }
        if self.weak_weights is not None:
            out["weak_weights"] = [round(w, 6) for w in self.weak_weights]
            out["weak_bias"] = round(self.weak_bias, 6)
        return out | {
            "mean": [round(m, 6) for m in self.mean],
            "std": [round(s, 6) for s in self.std],
            "vocab": {w: round(c, 5) for w, c in sorted(self.vocab.items())},
            "meta": self.meta,
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the weights as JSON to ``path`` and return it."""
        from costroute._json_file import write_json

        return write_json(path, self.to_json())

    @classmethod
    def from_json(cls, obj: Any, *, source: str = "<json>") -> LearnedEstimator:
        """Build from the JSON form; ConfigError if it is not a weight file of this version."""
        if not isinstance(obj, Mapping) or obj.get("format") not in (FORMAT, FORMAT_TWO):
            raise _config_error(source, f"is not a {FORMAT} or {FORMAT_TWO} weight file")
        if list(obj.get("features", [])) != list(FEATURE_NAMES):
            raise _config_error(
                source, "was trained on other features than this costroute version computes"
            )
        try:
            return cls(
                obj["weights"],
                obj["bias"],
                obj["mean"],
                obj["std"],
                {str(k): float(v) for k, v in obj.get("vocab", {}).items()},
                obj.get("meta", {}),
                name=str(obj.get("meta", {}).get("name", "learned")),
                **(
                    {}
                    if obj["format"] == FORMAT
                    else {"weak_weights": obj["weak_weights"], "weak_bias": obj["weak_bias"]}
                ),
            )
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            detail = exc.reason.rstrip(".") if isinstance(exc, ConfigError) else repr(exc)
            raise _config_error(source, f"is corrupt ({detail})") from exc

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> LearnedEstimator:
        """Load weights from ``path``, or the ones shipped in the package when ``None``."""
        import json
        from pathlib import Path

        p = Path(path) if path is not None else default_weights_path()
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            raise _config_error(str(p), f"cannot be read ({exc.strerror or exc})") from exc
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _config_error(str(p), f"is not valid JSON ({exc.msg})") from exc
        est = cls.from_json(obj, source=str(p))
        est.source = None if path is None else str(p)
        return est

    @property
    def threshold(self) -> float | None:
        """The threshold ``costroute router eval --target-...`` calibrated into this file, if any.

        A pair router sends a request to the strong model when its score is at least this value
        (see :func:`costroute.policy.pair`); ``meta["calibration"]`` says for which pair and
        target it was chosen.
        """
        return calibrated_threshold(self.meta)

    def calibrated(self, threshold: float, **info: Any) -> LearnedEstimator:
        """A copy whose ``meta["calibration"]`` holds ``threshold`` and ``info`` (the pair, the
        target, the data): what :attr:`threshold` and :func:`costroute.policy.pair` read."""
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
            or threshold < 0
        ):
            raise ConfigError(
                f"Calibration threshold {threshold!r} is not a finite score >= 0.",
                field="threshold",
                fix="pass the threshold costroute.eval.calibrate() chose",
            )
        meta = {**self.meta, "calibration": {**info, "threshold": float(threshold)}}
        return LearnedEstimator(
            self.weights,
            self.bias,
            self.mean,
            self.std,
            self.vocab,
            meta,
            name=self.name,
            weak_weights=self.weak_weights,
            weak_bias=self.weak_bias,
        )

    def __repr__(self) -> str:
        two = "" if self.weak_weights is None else " two-model"
        return f"<LearnedEstimator name={self.name!r}{two} vocab={len(self.vocab)}>"
