"""The statistics themselves, without storage: decayed sums, prediction, percentiles.

Both backends keep, per deployment, the same decayed sums (the Redis backend updates them in Lua
with the same arithmetic) and call :func:`predict` and :func:`snapshot_of` here, so they agree
to the last digit.

Decayed means. With ``d = 0.5 ** (1 / half_life)``, each new sample multiplies every sum by ``d``
and adds itself: ``W = W*d + 1``, ``S = S*d + x``; the mean is ``S / W``. A sample ``half_life``
samples old weighs half as much as the newest, and the first sample's mean is itself (no bias
towards zero at the start). Samples with a time to first token (streamed answers) also feed a
second set of sums, decayed per such sample.

Prediction for ``k`` output tokens (milliseconds):

- fewer than ``min_samples`` samples (or the last one older than ``stale_after_s``):
  the prior, ``ttft + 1000 * k / tokens_per_s``;
- at least ``min_samples`` samples with a ttft: ``mean_ttft + k * S_gen / S_tok``, where
  ``S_gen`` sums ``total - ttft`` and ``S_tok`` the output tokens of those samples (observed
  milliseconds per token, a ratio of decayed sums, so short answers do not dominate);
- otherwise (non-streamed answers: the total cannot be split): the prior's curve scaled by how
  much slower or faster the deployment was than its prior on the same answers,
  ``r * prior(k)`` with ``r = S_total / (ttft * W + 1000 * S_tokens / tokens_per_s)``.
"""

from __future__ import annotations

import math

from costroute.latency._types import LatencySnapshot, PriorLike

__all__ = ["Sums", "percentile", "predict", "snapshot_of"]

FIELDS = ("n", "w", "st", "sk", "nt", "wt", "sf", "sg", "skt", "u")


class Sums:
    """Decayed sums of one deployment (see the module docstring for the names)."""

    __slots__ = FIELDS

    def __init__(self) -> None:
        self.n = 0  # samples
        self.w = 0.0  # decayed weight of all samples
        self.st = 0.0  # decayed sum of total_ms
        self.sk = 0.0  # decayed sum of output tokens
        self.nt = 0  # samples with a ttft
        self.wt = 0.0  # their decayed weight
        self.sf = 0.0  # decayed sum of ttft_ms
        self.sg = 0.0  # decayed sum of total_ms - ttft_ms (generation time)
        self.skt = 0.0  # decayed sum of their output tokens
        self.u = 0.0  # clock reading of the last sample

    def add(self, d: float, total: float, ttft: float | None, tok: int, now: float) -> None:
        """Decay every sum by ``d`` and add one sample (the Lua script does the same)."""
        self.n += 1
        self.w = self.w * d + 1.0
        self.st = self.st * d + total
        self.sk = self.sk * d + tok
        self.u = now
        if ttft is not None:
            self.nt += 1
            self.wt = self.wt * d + 1.0
            self.sf = self.sf * d + ttft
            self.sg = self.sg * d + (total - ttft)
            self.skt = self.skt * d + tok

    @classmethod
    def parse(cls, values: list[object]) -> Sums | None:
        """Sums from a Redis HMGET of :data:`FIELDS` (``None`` when the hash does not exist)."""
        if values[0] is None:
            return None
        s = cls()
        f = [float(v) if v is not None else 0.0 for v in values]  # type: ignore[arg-type]
        s.n, s.w, s.st, s.sk = int(f[0]), f[1], f[2], f[3]
        s.nt, s.wt, s.sf, s.sg, s.skt, s.u = int(f[4]), f[5], f[6], f[7], f[8], f[9]
        return s


def predict(
    s: Sums | None,
    prior: PriorLike,
    output_tokens: int,
    min_samples: int,
    now: float,
    stale_after_s: float | None,
) -> float:
    """Predicted total latency in ms of an answer of ``output_tokens`` tokens."""
    k = output_tokens if output_tokens > 0 else 0
    ttft = prior.ttft_ms
    per_token = 1000.0 / prior.tokens_per_s
    if s is None or s.n < min_samples or (stale_after_s is not None and now - s.u > stale_after_s):
        return ttft + k * per_token
    if s.nt >= min_samples:
        mean_ttft = s.sf / s.wt
        if s.sg > 0.0 and s.skt > 0.0:
            return mean_ttft + k * (s.sg / s.skt)
        return mean_ttft + k * per_token
    expected = ttft * s.w + per_token * s.sk
    if expected <= 0.0:
        return s.st / s.w + k * per_token
    return (s.st / expected) * (ttft + k * per_token)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list: the ``ceil(p/100 * n)``-th value."""
    rank = math.ceil(p / 100.0 * len(ordered))
    return ordered[max(rank, 1) - 1]


def snapshot_of(s: Sums, totals: list[float], ttfts: list[float]) -> LatencySnapshot:
    """A :class:`LatencySnapshot` from the sums and the windowed samples (any order)."""
    totals = sorted(totals)
    ttfts = sorted(ttfts)
    has_ttft = s.nt > 0 and s.wt > 0.0
    return LatencySnapshot(
        n=s.n,
        mean_total_ms=s.st / s.w,
        p50_total_ms=percentile(totals, 50),
        p95_total_ms=percentile(totals, 95),
        mean_ttft_ms=s.sf / s.wt if has_ttft else None,
        p95_ttft_ms=percentile(ttfts, 95) if ttfts else None,
        tokens_per_s=1000.0 * s.skt / s.sg if has_ttft and s.sg > 0.0 else None,
        n_ttft=s.nt,
        updated_at=s.u,
    )
