"""Online success estimates: per (category, difficulty bucket, deployment), a Beta posterior of
how often the deployment's answer succeeds, updated as outcomes arrive (issue 15.5).

A cell starts from a :class:`~costroute.policy.QualityTable` prior, its predicted quality ``q``
as ``prior_weight`` pseudo-outcomes (``alpha = w q``, ``beta = w (1 - q)``), else uniform
(``Beta(1, 1)``); an outcome of score ``s`` in [0, 1] adds ``s`` to alpha and ``1 - s`` to beta.
Sums are exact (fractions), so the same outcomes give the same posterior in any order: what the
ledger restores at start equals what the process had learned live.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from costroute.errors import ConfigError
from costroute.policy._table import QualityTable, check_table_models

if TYPE_CHECKING:
    from costroute.ledger import Ledger, RatedCall

__all__ = ["OnlineQuality", "OnlineStats"]

_ANY = "*"
_JUDGE = "judge"  # graded against a reference, not absolutely: never a success signal
_PINNED = "pinned"  # the policy recorded for a call pinned by model=: its difficulty is 0.0
_REMEMBER = 100_000  # outcomes remembered, so that a repeat replaces instead of adding
_WINDOWS = {"day": "%Y-%m-%d", "month": "%Y-%m", None: "all"}
Key = tuple[str, int, str]


@dataclass(frozen=True, slots=True)
class OnlineStats:
    """What an online policy did: ``outcomes`` that updated a posterior; ``calls`` planned by
    sampling; of those, ``explored`` (played a sampled pick other than the greedy one) and
    ``capped`` (sampled another, but the exploration cap kept the greedy one); the estimated
    extra cost of the explorations in the current ``window`` (``"2026-11"``, ``"2026-11-25"``
    or ``"all"``; None before any call) and in total."""

    outcomes: int = 0
    calls: int = 0
    explored: int = 0
    capped: int = 0
    explore_usd: Decimal = Decimal(0)
    explore_usd_total: Decimal = Decimal(0)
    window: str | None = None


def _positive(name: str, value: Any, fix: str, *, integer: bool = False) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0:
        raise ConfigError(
            f"OnlineQuality({name}={value!r}): must be a positive {'integer' if integer else 'number'}.",
            field=name,
            fix=fix,
        )


class OnlineQuality:
    """Beta posteriors of success per (category, difficulty bucket, deployment); thread-safe.

    ``prior`` is a QualityTable (or the path of one) whose buckets and predicted qualities seed
    the cells, worth ``prior_weight`` outcomes each; ``models`` maps deployment names to the
    table's model names; a deployment the table does not know starts uniform. Without a prior,
    difficulty splits into ``buckets`` equal-width buckets (4 by default). ``sources``: the
    outcome sources that count (the part before any ``@``); by default every source but
    ``"judge"`` (a comparison with a reference, not an absolute grade).
    """

    def __init__(
        self,
        prior: QualityTable | str | None = None,
        *,
        prior_weight: float = 10.0,
        buckets: int | None = None,
        models: Mapping[str, str] | None = None,
        sources: Collection[str] | None = None,
    ) -> None:
        if isinstance(prior, str):
            prior = QualityTable.load(prior)
        if prior is not None and not isinstance(prior, QualityTable):
            raise ConfigError(
                f"OnlineQuality(prior={prior!r}): not a quality table.",
                field="prior",
                fix="pass a costroute.policy.QualityTable (or its file), or None for uniform",
            )
        _positive("prior_weight", prior_weight, "e.g. 10: the table counts as 10 outcomes a cell")
        if buckets is not None:
            _positive("buckets", buckets, "e.g. buckets=4 (quarters of difficulty)", integer=True)
            if prior is not None:
                raise ConfigError(
                    "OnlineQuality(buckets=...) with a prior: the prior's buckets are used.",
                    field="buckets",
                    fix="leave buckets out when you pass a prior",
                )
        self.prior, self.prior_weight = prior, float(prior_weight)
        self.buckets = buckets if buckets is not None or prior is not None else 4
        self.models = dict(models or {})
        if prior is not None:
            check_table_models(prior, self.models, "the prior")
        if sources is not None and (
            isinstance(sources, str) or any(not isinstance(s, str) or "@" in s for s in sources)
        ):
            raise ConfigError(
                f"OnlineQuality(sources={sources!r}): want a collection of source names.",
                field="sources",
                fix="e.g. sources={'user', 'check'} (without '@'); None counts all but 'judge'",
            )
        self.sources = None if sources is None else frozenset(sources)
        self._lock = threading.Lock()
        self._cells: dict[Key, list[Any]] = {}  # [successes, failures, n]
        self._seen: OrderedDict[tuple[str, str], tuple[Key, Fraction]] = OrderedDict()
        self._counts: dict[str, Any] = {}  # the fields of OnlineStats that are not zero

    # ---- the cells ----------------------------------------------------------------------------

    def edges(self, category: str) -> tuple[float, ...]:
        """The difficulty bucket edges of ``category``."""
        if self.prior is not None:
            return self.prior.edges.get(category, self.prior.edges[_ANY])
        k = self.buckets or 4
        return tuple(i / k for i in range(1, k))

    def key(self, category: str, difficulty: float, deployment: str) -> Key:
        """The cell of ``deployment`` for a request of this category and difficulty."""
        return (category, bisect.bisect_right(self.edges(category), difficulty), deployment)

    def _prior(self, category: str, difficulty: float, deployment: str) -> tuple[float, float]:
        if self.prior is not None:
            q = self.prior.predict(category, difficulty).get(
                self.models.get(deployment, deployment)
            )
            if q is not None:
                return self.prior_weight * q, self.prior_weight * (1.0 - q)
        return 1.0, 1.0

    def posterior(self, category: str, difficulty: float, deployment: str) -> tuple[float, float]:
        """``(alpha, beta)`` of the deployment's cell: prior plus outcomes."""
        return self.beliefs(category, difficulty, [deployment])[deployment][:2]

    def beliefs(
        self, category: str, difficulty: float, deployments: Iterable[str]
    ) -> dict[str, tuple[float, float, int]]:
        """``{deployment: (alpha, beta, outcomes)}`` for a request of this category and
        difficulty, read at once."""
        out = {}
        with self._lock:
            for name in deployments:
                a, b = self._prior(category, difficulty, name)
                cell = self._cells.get(self.key(category, difficulty, name))
                if cell is not None:
                    a, b = a + float(cell[0]), b + float(cell[1])
                out[name] = (a, b, 0 if cell is None else cell[2])
        return out

    def observations(self) -> dict[Key, tuple[float, float, int]]:
        """Every cell's outcomes: ``{(category, bucket, deployment): (successes, failures,
        n)}``, without the prior."""
        with self._lock:
            return {k: (float(s), float(f), n) for k, (s, f, n) in sorted(self._cells.items())}

    # ---- outcomes -------------------------------------------------------------------------------

    def record(self, category: str, difficulty: float, deployment: str, score: float) -> None:
        """Count one outcome of ``score`` in [0, 1] for ``deployment`` on such a request."""
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise ConfigError(
                f"score={score!r} is not a number in [0, 1].",
                field="score",
                fix="scale the outcome to [0, 1]: 0 bad, 1 good",
            )
        with self._lock:
            self._add(self.key(category, difficulty, deployment), Fraction(score), 1)

    def _add(self, key: Key, score: Fraction, n: int) -> None:
        cell = self._cells.setdefault(key, [Fraction(0), Fraction(0), 0])
        cell[0] += n * score
        cell[1] += n * (1 - score)
        cell[2] += n
        self._counts["outcomes"] = self._counts.get("outcomes", 0) + n

    def observe(self, call: RatedCall) -> bool:
        """Count an outcome joined to its call (what the router passes on each feedback): the
        graded deployment's cell (``source@deployment`` grades another deployment's answer) in
        the call's recorded category and difficulty. A repeat of (call, source) replaces the
        earlier score, as in the ledger. False, and nothing counted, for a ``judge`` outcome, a
        source not in ``sources``, a call that did not answer, or one pinned by ``model=`` (no
        difficulty was estimated for it)."""
        base = call.source.partition("@")[0]
        wanted = base != _JUDGE if self.sources is None else base in self.sources
        if not wanted or call.status != "ok" or call.policy == _PINNED:
            return False
        key = self.key(call.category, call.difficulty, call.graded)
        score = Fraction(call.score)
        with self._lock:
            earlier = self._seen.pop((call.request_id, call.source), None)
            if earlier is not None:
                self._add(earlier[0], earlier[1], -1)
            self._add(key, score, 1)
            self._seen[(call.request_id, call.source)] = (key, score)
            if len(self._seen) > _REMEMBER:
                self._seen.popitem(last=False)
        return True

    def restore(self, calls: Iterable[RatedCall]) -> int:
        """:meth:`observe` each outcome (``ledger.outcomes()``, oldest first); how many counted."""
        return sum(self.observe(call) for call in calls)

    @classmethod
    def from_ledger(
        cls,
        ledger: Ledger | str,
        *,
        since: dt.datetime | None = None,
        prior: QualityTable | str | None = None,
        **options: Any,
    ) -> OnlineQuality:
        """Posteriors rebuilt from the outcomes a ledger (or its URL) recorded since ``since``:
        what a restarted process knew. ``options`` as for the constructor."""
        from costroute.ledger import open_ledger

        online = cls(prior, **options)
        led = open_ledger(ledger) if isinstance(ledger, str) else ledger
        try:
            online.restore(led.outcomes(since=since))
        finally:
            if isinstance(ledger, str):
                led.close()
        return online

    # ---- exploration spend ----------------------------------------------------------------------

    @property
    def stats(self) -> OnlineStats:
        """Counts and exploration spend (an :class:`OnlineStats`)."""
        with self._lock:
            return OnlineStats(**self._counts)

    def _decided(
        self, extra: Decimal | None, cap: Decimal | None, window: str | None, now: dt.datetime
    ) -> tuple[bool, Decimal]:
        """Count one sampled call: ``extra`` None for the greedy pick, else the estimated extra
        cost of exploring, allowed while the window's spend stays within ``cap``. Returns
        whether it explores and the window's spend after it."""
        key = now.astimezone(dt.UTC).strftime(_WINDOWS[window])
        with self._lock:
            c = self._counts
            spent = c.get("explore_usd", Decimal(0)) if c.get("window") == key else Decimal(0)
            allowed = extra is not None and (cap is None or spent + extra <= cap)
            c["calls"], c["window"] = c.get("calls", 0) + 1, key
            if allowed and extra is not None:
                spent += extra
                c["explored"] = c.get("explored", 0) + 1
                c["explore_usd_total"] = c.get("explore_usd_total", Decimal(0)) + extra
            elif extra is not None:
                c["capped"] = c.get("capped", 0) + 1
            c["explore_usd"] = spent
            return allowed, spent

    # ---- files ----------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON form :meth:`save` writes (and :meth:`load` reads)."""
        from costroute.policy._online_file import to_json

        return to_json(self)

    def save(self, path: Any) -> Any:
        """Write the posteriors, their prior and the exploration counts as JSON; the path."""
        from costroute.policy._online_file import save

        return save(self, path)

    @classmethod
    def load(cls, path: Any) -> OnlineQuality:
        """Read a file written by :meth:`save`; ConfigError naming the file if it is not one."""
        from costroute.policy._online_file import load

        return load(cls, path)

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"<OnlineQuality cells={len(self._cells)} outcomes={s.outcomes} calls={s.calls}"
            f" explored={s.explored} explore=${s.explore_usd_total}>"
        )
