"""Router: the drop-in chat client. ``chat`` and ``achat`` are twins over :class:`RouterBase`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from costroute._request import prompt_text
from costroute.errors import LedgerError
from costroute.executor import AsyncStreamRun, Outcome, StreamRun
from costroute.router._base import RouterBase
from costroute.types import CallInfo, Plan, Request

__all__ = ["Router"]

Finish = Callable[[Outcome, BaseException | None], CallInfo]

log = logging.getLogger("costroute")


class Router(RouterBase):
    """Routes each chat call to a deployment; OpenAI-shaped in and out.

    >>> router = costroute.Router()                                     # doctest: +SKIP
    >>> resp = router.chat(messages=[{"role": "user", "content": "hi"}])  # doctest: +SKIP
    >>> resp.choices[0].message.content, resp.costroute.cost_usd          # doctest: +SKIP

    Every keyword that is not costroute's own (``max_cost_usd``, ``latency_target_ms``,
    ``user``, ``tenant``, ``tags``, ``policy``, ``model``) goes to litellm unchanged.
    """

    def __init__(
        self,
        deployments: Any = None,
        *,
        ledger: Any = None,
        on_ledger_error: str = "raise",
        store_prompts: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(deployments, **kwargs)
        if isinstance(ledger, str) or (ledger is None and os.environ.get("COSTROUTE_LEDGER_URL")):
            from costroute.ledger import open_ledger

            ledger = open_ledger(ledger)
        self.ledger = ledger
        self.store_prompts = store_prompts
        self.on_ledger_error = on_ledger_error

    @property
    def usage(self) -> Any:
        """The ledger, for reports: ``router.usage.report(month="2026-11")``."""
        if self.ledger is None:
            from costroute.errors import ConfigError

            raise ConfigError(
                "This router keeps no ledger.",
                field="ledger",
                fix='pass Router(ledger="sqlite:///path/ledger.sqlite") or set COSTROUTE_LEDGER_URL',
            )
        return self.ledger

    # ---- bookkeeping ------------------------------------------------------------------------

    def _finisher(self, request: Request, plan: Plan, started: float, request_id: str) -> Finish:
        def finish(outcome: Outcome, error: BaseException | None) -> CallInfo:
            info = self._settle(request, plan, outcome, started, request_id)
            self._record(request, info, error)
            return info

        return finish

    def _record(self, request: Request, info: CallInfo, error: BaseException | None) -> None:
        if self.ledger is None:
            return
        # Imported here, not at the top: the ledger brings sqlite3 and asyncio (~35 ms), which
        # `import costroute` should not pay for; after the first call this is a dict lookup.
        from costroute.ledger import CallRecord

        record = CallRecord.from_call(
            info,
            at=self.now(),
            user=request.user,
            tenant=request.tenant,
            tags=request.tags,
            prompt_hash=self._prompt_hash(request),
            prompt_text=prompt_text(request.messages) if self.store_prompts else None,
            status="error" if error else "ok",
            error_class=type(error).__name__ if error else None,
            stream=request.stream,
            ttft_ms=info.ttft_ms,
        )
        try:
            self.ledger.append(record)
        except Exception as exc:  # the ledger's own errors are reported, never lost silently
            if self.on_ledger_error == "raise":
                raise LedgerError(
                    f"Could not record call {info.request_id}: {exc}",
                    field="ledger",
                    fix='repair or move the ledger, or pass on_ledger_error="warn" to log instead',
                ) from exc
            log.warning("costroute: ledger write failed for %s: %s", info.request_id, exc)

    # ---- sync ------------------------------------------------------------------------------

    def _begin(self, messages: Any, kwargs: dict[str, Any]) -> tuple[Request, Plan, Finish]:
        """Validate and plan (no I/O); return the request, the plan and its settle function."""
        started = self.executor.clock()
        request, plan = self._prepare(messages, kwargs)
        return request, plan, self._finisher(request, plan, started, self._new_id())

    def chat(self, messages: Any = None, **kwargs: Any) -> Any:
        """Route and answer one chat request (``stream=True`` returns an iterator of chunks)."""
        request, plan, finish = self._begin(messages, kwargs)
        if request.stream:
            return StreamRun(self.executor, plan, request, self.timeout, finish)
        outcome = self.executor.run(plan, request, self.timeout)
        return _attach(outcome.response, finish(outcome, None))

    # ---- async -----------------------------------------------------------------------------

    async def achat(self, messages: Any = None, **kwargs: Any) -> Any:
        """Async twin of :meth:`chat` (``stream=True`` returns an async iterator)."""
        request, plan, finish = self._begin(messages, kwargs)
        if request.stream:
            return AsyncStreamRun(self.executor, plan, request, self.timeout, finish)
        outcome = await self.executor.arun(plan, request, self.timeout)
        return _attach(outcome.response, finish(outcome, None))


def _attach(response: Any, info: CallInfo) -> Any:
    """Set ``response.costroute`` without making it a serialised field of the response.

    litellm's ModelResponse is a pydantic model that allows extra fields: a plain setattr would
    put CallInfo into ``model_dump()`` and break ``model_dump_json()``.
    """
    object.__setattr__(response, "costroute", info)
    return response
