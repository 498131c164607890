"""Which deployments can serve a request at all, and why the others cannot."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from costroute.catalog import Deployment
from costroute.errors import NoDeploymentAvailable
from costroute.pricing import worst_case_cost
from costroute.types import Request, Signals

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "MIN_OUTPUT_TOKENS",
    "cost_capped_output",
    "expected_cost",
    "expected_output_tokens",
    "incapable_reason",
    "output_cap",
    "split_capable",
    "with_cost_cap",
]

DEFAULT_OUTPUT_TOKENS = 400
"""Output tokens assumed for a cost estimate when the request sets no max_tokens."""


def output_cap(request: Request, deployment: Deployment) -> int:
    """The most output tokens this call may produce on this deployment."""
    cap = deployment.capabilities.max_output
    return min(request.max_output_tokens, cap) if request.max_output_tokens else cap


def incapable_reason(request: Request, deployment: Deployment) -> str | None:
    """Why ``deployment`` cannot serve ``request``, or None when it can."""
    caps = deployment.capabilities
    if request.needs_tools and not caps.tools:
        return "no tool calling"
    if request.needs_vision and not caps.vision:
        return "no image input"
    if request.needs_json and not caps.json_schema:
        return "no JSON output mode"
    needed = request.input_tokens_estimate + (request.max_output_tokens or 0)
    if needed > caps.context_window:
        return f"context window {caps.context_window:,} < ~{needed:,} tokens needed"
    if request.max_output_tokens and request.max_output_tokens > caps.max_output:
        return f"max output {caps.max_output:,} < max_tokens {request.max_output_tokens:,}"
    if request.max_cost_usd is not None and cost_capped_output(request, deployment) is None:
        worst = worst_case_cost(request.input_tokens_bound, MIN_OUTPUT_TOKENS, deployment.prices)
        return f"even {MIN_OUTPUT_TOKENS} output tokens may cost ${worst:.6f} > max_cost_usd"
    return None


MIN_OUTPUT_TOKENS = 16


def cost_capped_output(request: Request, deployment: Deployment) -> int | None:
    """The output-token cap that keeps the worst case within ``max_cost_usd``.

    None when not even :data:`MIN_OUTPUT_TOKENS` fit; the request's own cap when it fits whole.
    """
    cap = output_cap(request, deployment)
    if request.max_cost_usd is None:
        return cap
    inp, out, _, write = deployment.prices.peak
    left = request.max_cost_usd - request.input_tokens_bound * max(inp, write)
    if out == 0:
        return cap if left >= 0 else None
    fits = int(left / out) if left > 0 else 0
    if fits < MIN_OUTPUT_TOKENS:
        return None
    return min(cap, fits)


def expected_cost(request: Request, deployment: Deployment) -> Decimal:
    """Typical cost of this request on this deployment (peak rates, typical output length)."""
    inp, out, _, _ = deployment.prices.peak
    return request.input_tokens_estimate * inp + expected_output_tokens(request) * out


def expected_output_tokens(request: Request) -> int:
    """Typical output length: :data:`DEFAULT_OUTPUT_TOKENS`, or the caller's smaller cap."""
    return min(request.max_output_tokens or DEFAULT_OUTPUT_TOKENS, DEFAULT_OUTPUT_TOKENS)


def with_cost_cap(
    request: Request, deployment: Deployment, params: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """``params`` (e.g. reasoning parameters) with the ``max_tokens`` cap ``max_cost_usd`` needs,
    and a note when the cap leaves no room for a thinking budget, which is then dropped."""
    out = dict(params)
    if request.max_cost_usd is None:
        return out, None
    cap = cost_capped_output(request, deployment)
    note = None
    if cap is not None and cap != request.max_output_tokens:
        if "thinking" in out and cap <= out["thinking"]["budget_tokens"]:
            del out["thinking"]
            out.pop("max_tokens", None)
            note = f"{deployment.name}: thinking dropped (max_cost_usd leaves {cap} output tokens)"
        out["max_tokens"] = min(cap, int(out.get("max_tokens", cap)))
    return out, note


def split_capable(
    request: Request, signals: Signals
) -> tuple[list[Deployment], list[tuple[str, str]]]:
    """``(capable, [(incapable, why)])`` among the signals' deployments (an open breaker counts
    as incapable); NoDeploymentAvailable, with every reason, when none can serve the request."""
    capable: list[Deployment] = []
    rejected: list[tuple[str, str]] = []
    for dep in signals.deployments:
        why = incapable_reason(request, dep)
        if why is None and dep.name in signals.open_breakers:
            why = "circuit breaker open"
        if why is None:
            capable.append(dep)
        else:
            rejected.append((dep.name, why))
    if not capable:
        raise NoDeploymentAvailable(
            "No deployment can serve this request", [f"{n}: {w}" for n, w in rejected]
        )
    return capable, rejected
