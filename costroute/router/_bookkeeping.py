"""What an answered (or failed) call leaves behind: its ledger record, its response-cache
entry and its sample for sampled labelling. Mixed into ``Router``; each step is skipped when
the router has no ledger, cache or labeller, and none of them fails the caller's call except a
ledger write with ``on_ledger_error="raise"``."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from costroute import difficulty
from costroute._request import prompt_text
from costroute.errors import BudgetExceeded, LedgerError
from costroute.executor import Outcome
from costroute.types import CallInfo, Request

if TYPE_CHECKING:
    from costroute.cache import ResponseCache
    from costroute.ledger import CallRecord, LedgerLike, Purpose
    from costroute.router._labeler import Labeler

__all__ = ["Bookkeeping"]

log = logging.getLogger("costroute")


class Bookkeeping:
    """Mixed into Router: a finished call's record, cache entry and labelling sample."""

    ledger: LedgerLike | None
    cache: ResponseCache | None
    labeling: Labeler | None
    now: Callable[[], dt.datetime]
    store_prompts: bool
    on_ledger_error: Literal["raise", "warn"]
    _prompt_hash: Callable[[Request], str]

    def _offer(self, request: Request, info: CallInfo, outcome: Outcome) -> None:
        """Hand an answered call (a complete stream's text included) to sampled labelling;
        never fails the caller's call."""
        if self.labeling is None:
            return
        from costroute.router._labeler import answer_text

        answer = outcome.text if outcome.response is None else answer_text(outcome.response)
        try:
            self.labeling.offer(request, info, answer)
        except Exception as exc:  # pragma: no cover - offer() only queues
            log.warning("costroute: labelling sample of %s dropped: %s", info.request_id, exc)

    def _store(self, key: str, outcome: Outcome, info: CallInfo) -> None:
        """Keep a complete answer in the response cache; a cache error is logged, not raised."""
        assert self.cache is not None
        from costroute.cache import entry_from_response, entry_from_stream

        if outcome.response is not None:
            entry = entry_from_response(
                outcome.response, outcome.finish_reason, info.deployment, info.baseline_cost_usd
            )
        else:
            entry = entry_from_stream(
                outcome.text,
                outcome.finish_reason,
                deployment=info.deployment,
                model=outcome.deployment.model.partition("/")[2] or outcome.deployment.model,
                usage=info.usage,
                baseline_usd=info.baseline_cost_usd,
            )
        if entry is None:
            return
        try:
            self.cache.set(key, entry)
        except Exception as exc:
            log.warning("costroute: response cache store failed for %s: %s", info.request_id, exc)

    def _record(self, record: CallRecord | None, info: CallInfo) -> None:
        """Write the call's record (None: no ledger); an error is raised or logged, as
        ``on_ledger_error`` says."""
        if record is None:
            return
        assert self.ledger is not None
        try:
            self.ledger.append(record)
        except Exception as exc:
            self._unrecorded(info, exc)

    async def _arecord(self, record: CallRecord | None, info: CallInfo) -> None:
        """Async twin of the write in :meth:`_record`: through the ledger's group commit
        (``Ledger.aappend``), committed before it returns."""
        if record is None:
            return
        from costroute.ledger import Ledger

        assert isinstance(self.ledger, Ledger)  # the router settles on the loop only then
        try:
            await self.ledger.aappend(record)
        except Exception as exc:
            self._unrecorded(info, exc)

    def _unrecorded(self, info: CallInfo, exc: Exception) -> None:
        """A record the ledger could not keep: reported, never lost silently."""
        if self.on_ledger_error == "raise":
            raise LedgerError(
                f"Could not record call {info.request_id}: {exc}",
                field="ledger",
                fix='repair or move the ledger, or pass on_ledger_error="warn" to log instead',
            ) from exc
        log.warning("costroute: ledger write failed for %s: %s", info.request_id, exc)

    def _ledger_record(
        self,
        request: Request,
        info: CallInfo,
        error: BaseException | None,
        shadow: tuple[str, str | None] | None,
        purpose: Purpose,
        embedding: tuple[float, ...] | None,
    ) -> CallRecord | None:
        """The call's ledger record (None without a ledger)."""
        if self.ledger is None:
            return None
        from costroute.ledger import CallRecord  # (sqlite3: not at `import costroute`)

        return CallRecord.from_call(
            info,
            at=self.now(),
            user=request.user,
            tenant=request.tenant,
            tags=request.tags,
            prompt_hash=self._prompt_hash(request),
            prompt_text=prompt_text(request.messages) if self.store_prompts else None,
            features=difficulty.feature_vector(request.messages),
            status="refused" if isinstance(error, BudgetExceeded) else "error" if error else "ok",
            error_class=type(error).__name__ if error else None,
            stream=request.stream,
            ttft_ms=info.ttft_ms,
            shadow=shadow,
            purpose=purpose,
            embedding=embedding,
        )
