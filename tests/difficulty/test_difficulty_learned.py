"""The learned estimator: shipped weights, save/load, training on synthetic data."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from costroute.difficulty import LearnedEstimator
from costroute.difficulty._features import FEATURE_NAMES
from costroute.difficulty._learned import default_weights_path
from costroute.errors import ConfigError
from costroute.eval import Record

pytest.importorskip("numpy")


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_shipped_weights_load_small_and_documented() -> None:
    path = default_weights_path()
    assert path.stat().st_size < 300_000
    est = LearnedEstimator.load()
    meta = est.meta
    assert "TRAIN split only" in meta["training_data"]
    assert meta["label"] == "hardness" and len(meta["pool"]) == 26
    assert "loto_cv_apgr" in meta and meta["trained_at"]


def test_shipped_weights_reproduce_the_trained_scores() -> None:
    est = LearnedEstimator.load()
    fixtures = est.meta["fixtures"]
    assert len(fixtures) >= 3
    for text, expected in fixtures:
        assert est.estimate(user(text)).score == pytest.approx(expected, abs=1e-4)


def test_save_load_round_trip(tmp_path: Path) -> None:
    est = LearnedEstimator.load()
    again = LearnedEstimator.load(est.save(tmp_path / "w.json"))
    for text in ("hi", "Compute $\\int_0^1 x^2 dx$."):
        assert again.estimate(user(text)).score == pytest.approx(est.estimate(user(text)).score)


def test_missing_weight_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read") as info:
        LearnedEstimator.load(tmp_path / "nope.json")
    assert "LearnedEstimator.load" in str(info.value.field)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"format": "other"}), "is not a"),
        (
            json.dumps({"format": "costroute.difficulty.learned/1", "features": ["x"]}),
            "other features",
        ),
        (
            json.dumps({"format": "costroute.difficulty.learned/1", "features": FEATURE_NAMES}),
            "corrupt",
        ),
    ],
)
def test_corrupt_weight_file_is_a_config_error(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "w.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=match):
        LearnedEstimator.load(path)


def synthetic(n: int = 300, seed: int = 0) -> list[Record]:
    """Math questions with many numbers are failed by 'weak'; chit-chat is not."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        hard = rng.random() < 0.5
        if hard:
            nums = " ".join(str(rng.randint(2, 999)) for _ in range(6))
            text = f"Find all integers $x$ with {nums} such that $x^2 \\equiv 1$; prove it."
        else:
            text = rng.choice(["hello there", "thanks a lot", "write a poem", "tell me a joke"])
        weak = 0.0 if hard and rng.random() < 0.9 else 1.0
        out.append(
            Record(str(i), tuple(user(text)), {"strong": 1.0, "weak": weak, "mid": 1.0 - hard})
        )
    return out


@pytest.mark.parametrize("label", ["hardness", "weak_fails", "pair"])
def test_training_learns_the_signal(label: Any) -> None:
    from costroute.train.fit import train

    est = train(synthetic(), "strong", "weak", label=label, vocab_size=20, min_df=3)
    easy = est.estimate(user("hello there")).score
    hard = est.estimate(
        user("Find all integers $x$ with 3 5 7 such that $x^2 = 4$; prove it.")
    ).score
    assert easy < 0.3 < 0.5 < hard
    assert est.meta["label"] == label and est.vocab


def test_training_errors_name_the_field() -> None:
    from costroute.train.fit import train

    with pytest.raises(ConfigError, match="too few"):
        train(synthetic(5))
    with pytest.raises(ConfigError) as info:
        train(synthetic(), label="pair")
    assert info.value.field == "strong/weak"
    with pytest.raises(ConfigError, match="no score for model"):
        train(synthetic(), "strong", "absent", label="pair")
    with pytest.raises(ConfigError, match="pool model"):
        train(synthetic(), pool=["absent"])


SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "zeroeval"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "items.csv").exists(), reason="needs ../shared/data/zeroeval")
def test_shipped_weights_match_a_fresh_training_run(tmp_path: Path) -> None:
    import importlib.util
    import sys

    root = Path(__file__).resolve().parents[2] / "benchmarks"
    spec = importlib.util.spec_from_file_location(
        "make_zeroeval_jsonl", root / "make_zeroeval_jsonl.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_zeroeval_jsonl"] = mod
    spec.loader.exec_module(mod)
    assert mod.main(["--src", str(SHARED), "--out", str(tmp_path)]) == 0
    from costroute.eval import load_jsonl
    from costroute.train.fit import train

    shipped = LearnedEstimator.load()
    fresh = train(load_jsonl(tmp_path / "train.jsonl"), label="hardness", pool=shipped.meta["pool"])
    assert fresh.weights == pytest.approx(shipped.weights, abs=1e-5)
    assert fresh.bias == pytest.approx(shipped.bias, abs=1e-5)


def test_weights_of_the_wrong_length_are_a_config_error_naming_the_fields() -> None:
    from costroute.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        LearnedEstimator([1.0], 0.0, [0.0], [1.0])
    assert err.value.field == "weights/mean/std" and "got 1, 1 and 1" in str(err.value)
    obj = LearnedEstimator.load().to_json()
    obj["weights"] = obj["weights"][:3]
    with pytest.raises(ConfigError, match=r"'x.json' is corrupt \(LearnedEstimator needs"):
        LearnedEstimator.from_json(obj, source="x.json")


def test_gain_label_on_a_hand_made_pair() -> None:
    from costroute.train.fit import labels

    rows = [(1.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 1.0), (0.75, 0.25)]
    records = [
        Record(str(i), tuple(user("q")), {"strong": s, "weak": w}) for i, (s, w) in enumerate(rows)
    ]
    # strong wins 1, tie (both right or both wrong) 0.5, weak wins 0; graded scores in between.
    assert labels(records, "gain", "strong", "weak") == [1.0, 0.5, 0.5, 0.0, 0.75]
    assert labels(records, "weak_fails", "strong", "weak") == [1.0, 0.0, 1.0, 0.0, 0.75]
    assert labels(records, "pair", "strong", "weak") == [1.0, 0.0, 0.0, 0.0, 1.0]
    with pytest.raises(ConfigError) as info:
        labels(records, "gain", weak="weak")
    assert info.value.field == "strong/weak"
