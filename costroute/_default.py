"""The module-level ``costroute.chat`` / ``costroute.achat`` and their default router."""

from __future__ import annotations

import threading
from typing import Any

from costroute.router import Router

__all__ = ["achat", "chat", "default_router", "set_default_router"]

_lock = threading.Lock()
_router: Router | None = None


def default_router() -> Router:
    """The router behind ``costroute.chat``: the default catalog, keys from the environment.

    Built on first use (never at import), once per process.
    """
    global _router
    if _router is None:
        with _lock:
            if _router is None:
                _router = Router()
    return _router


def set_default_router(router: Router | None) -> None:
    """Replace (or with None, forget) the router behind ``costroute.chat``."""
    global _router
    with _lock:
        _router = router


def chat(messages: Any = None, **kwargs: Any) -> Any:
    """``default_router().chat(...)``."""
    return default_router().chat(messages, **kwargs)


async def achat(messages: Any = None, **kwargs: Any) -> Any:
    """``await default_router().achat(...)``."""
    return await default_router().achat(messages, **kwargs)
