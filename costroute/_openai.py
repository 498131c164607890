"""An OpenAI-SDK-shaped facade, so code written for the ``openai`` package changes one line.

::

    # client = openai.OpenAI()
    client = costroute.OpenAI()
    resp = client.chat.completions.create(model="auto", messages=[...])
"""

from __future__ import annotations

from typing import Any

from costroute.router import Router

__all__ = ["AsyncOpenAI", "OpenAI"]


class _Completions:
    def __init__(self, router: Router) -> None:
        self._router = router

    def create(self, *, messages: Any, model: str = "auto", **kwargs: Any) -> Any:
        """Same as ``router.chat(messages=..., model=..., **kwargs)``."""
        return self._router.chat(messages, model=model, **kwargs)


class _AsyncCompletions:
    def __init__(self, router: Router) -> None:
        self._router = router

    async def create(self, *, messages: Any, model: str = "auto", **kwargs: Any) -> Any:
        """Same as ``await router.achat(messages=..., model=..., **kwargs)``."""
        return await self._router.achat(messages, model=model, **kwargs)


class _Chat:
    def __init__(self, completions: Any) -> None:
        self.completions = completions


class OpenAI:
    """``client.chat.completions.create(model="auto", messages=...)`` over a :class:`Router`."""

    def __init__(self, router: Router | None = None, **router_kwargs: Any) -> None:
        self.router = router if router is not None else Router(**router_kwargs)
        self.chat = _Chat(_Completions(self.router))

    def __repr__(self) -> str:
        return f"<costroute.OpenAI {self.router!r}>"


class AsyncOpenAI:
    """Async twin of :class:`OpenAI`: ``await client.chat.completions.create(...)``."""

    def __init__(self, router: Router | None = None, **router_kwargs: Any) -> None:
        self.router = router if router is not None else Router(**router_kwargs)
        self.chat = _Chat(_AsyncCompletions(self.router))

    def __repr__(self) -> str:
        return f"<costroute.AsyncOpenAI {self.router!r}>"
