"""The parameters one attempt sends: the caller's, the policy's for the choice, less the ones
the plan dropped for that deployment (``Choice.dropped``)."""

from __future__ import annotations

from typing import Any

from costroute.types import Choice, Request

__all__ = ["call_params"]


def call_params(request: Request, choice: Choice) -> dict[str, Any]:
    """``{**request.params, **choice.params}`` without ``choice.dropped``."""
    params = {**request.params, **choice.params}
    for name in choice.dropped:
        params.pop(name, None)
    return params
