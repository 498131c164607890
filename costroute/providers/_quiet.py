"""Skip litellm's background success logging when nothing would read it.

After every successful call litellm hands a success handler to its ``litellm-logging`` thread,
whatever callbacks are configured. The handler builds a logging payload and prices the call
again (costroute prices it itself), and the thread takes the GIL as soon as costroute's own
post-call work blocks on I/O (a ledger write, a Redis round trip): measured here, it moved about
0.2-1 ms of litellm's work into each routed call's latency.

litellm skips the handler for calls it marks internal (``litellm._internal_context
.is_internal_call``, a context variable, so the mark covers only the call costroute makes).
costroute sets it only when the user registered no litellm callback of any kind, so a user's
litellm integrations (Langfuse, OpenTelemetry, custom loggers...) keep receiving every call.
The variable is private to litellm 1.110, which costroute pins; if it is missing, nothing is
skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["quiet_logging"]

_CALLBACK_LISTS = (
    "callbacks",
    "success_callback",
    "_async_success_callback",
    "failure_callback",
    "_async_failure_callback",
    "input_callback",
    "_async_input_callback",
    "service_callback",
)


def _nothing_listens(lite: ModuleType) -> bool:
    return not any(getattr(lite, name, None) for name in _CALLBACK_LISTS)


def _flag() -> Any:
    try:
        from litellm._internal_context import is_internal_call
    except ImportError:  # pragma: no cover - another litellm than the pinned one
        return None
    return is_internal_call


@contextmanager
def quiet_logging(lite: ModuleType) -> Iterator[None]:
    """Within the block, litellm runs no success handler, unless a callback is registered."""
    flag = _flag() if _nothing_listens(lite) else None
    if flag is None:
        yield
        return
    token = flag.set(True)
    try:
        yield
    finally:
        flag.reset(token)
