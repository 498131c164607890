"""Predicted latency of a deployment, and the latency-target filter every policy shares."""

from __future__ import annotations

from collections.abc import Sequence

from costroute.catalog import Deployment
from costroute.policy._capability import expected_output_tokens
from costroute.types import Request, Signals

__all__ = ["predicted_latency_ms", "split_by_latency"]


def predicted_latency_ms(deployment: Deployment, signals: Signals, output_tokens: int) -> float:
    """Time to the full answer: measured when the router has stats, else the catalog prior."""
    measured = signals.predicted_latency_ms.get(deployment.name)
    if measured is not None:
        return measured
    return deployment.ttft_ms + 1000.0 * output_tokens / deployment.tokens_per_s


def split_by_latency(
    deployments: Sequence[Deployment], request: Request, signals: Signals, target_ms: float
) -> tuple[list[Deployment], list[tuple[str, str]], str | None]:
    """``(kept, [(dropped, why)], note)``: the deployments predicted within ``target_ms``; when
    none is, the fastest alone is kept and ``note`` says so."""
    out = expected_output_tokens(request)
    predicted = {d.name: predicted_latency_ms(d, signals, out) for d in deployments}
    kept = [d for d in deployments if predicted[d.name] <= target_ms]
    note = None
    if not kept:
        fastest = min(deployments, key=lambda d: predicted[d.name])
        note = (
            f"no deployment predicted within {target_ms:.0f} ms; using the fastest, "
            f"{fastest.name} (~{predicted[fastest.name]:.0f} ms)"
        )
        kept = [fastest]
    dropped = [
        (d.name, f"predicted {predicted[d.name]:.0f} ms > target {target_ms:.0f} ms")
        for d in deployments
        if d not in kept
    ]
    return kept, dropped, note
