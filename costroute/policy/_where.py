"""Where a policy object was built: ``"<file>:<line>"`` of the caller, for error messages."""

from __future__ import annotations

import sys

__all__ = ["caller_location"]

_OWN_PREFIX = __file__.rsplit("/", 1)[0]


def caller_location() -> str:
    """The first frame outside ``costroute/policy``: where the user wrote the rule."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_PREFIX):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:  # pragma: no cover - only inside costroute/policy itself
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
