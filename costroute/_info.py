"""``costroute.info(obj)``: the :class:`~costroute.types.CallInfo` of a routed answer.

A router's response carries it as ``resp.costroute``. An answer that came through
:class:`costroute.OpenAI` is built by the openai SDK from JSON, so the facade's transport keeps
the CallInfo of its recent calls (the last 4,096, in this process) by request id and completion
id, and puts the request id in the ``x-costroute-request-id`` header.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from costroute.errors import InvalidRequestError
from costroute.types import CallInfo

__all__ = ["feedback_id", "info", "remember", "request_id_of"]

LIMIT = 4096

_lock = threading.Lock()
_recent: OrderedDict[str, CallInfo] = OrderedDict()


def remember(call: CallInfo, *keys: str | None) -> None:
    """Keep ``call`` under its request id and ``keys`` (completion ids), the oldest evicted."""
    with _lock:
        for key in (call.request_id, *keys):
            if key:
                _recent[key] = call
                _recent.move_to_end(key)
        while len(_recent) > LIMIT:
            _recent.popitem(last=False)


def _lookup(key: Any) -> CallInfo | None:
    if not isinstance(key, str):
        return None
    with _lock:
        return _recent.get(key)


def request_id_of(key: str) -> str | None:
    """The request id of the recent call a completion id (or request id) names, if known."""
    found = _lookup(key)
    return None if found is None else found.request_id


def _from_headers(headers: Any) -> CallInfo | None:
    get = getattr(headers, "get", None)
    return _lookup(get("x-costroute-request-id")) if callable(get) else None


def info(obj: Any) -> CallInfo | None:
    """What costroute did for ``obj`` and why, or None when it knows nothing of it.

    ``obj`` may be a response or stream of ``Router.chat`` (its ``.costroute``); a
    ``ChatCompletion`` or chunk from :class:`costroute.OpenAI` (by its id; a stream's after it
    ended); the SDK's raw response (``with_raw_response``) or ``Stream`` (by its headers).
    """
    found = getattr(obj, "costroute", None)
    if isinstance(found, CallInfo):
        return found
    for holder in (obj, getattr(obj, "http_response", None), getattr(obj, "response", None)):
        if holder is None:
            continue
        extensions = getattr(holder, "extensions", None)
        kept = extensions.get("costroute") if isinstance(extensions, dict) else None
        if isinstance(kept, CallInfo):
            return kept
        found = _from_headers(getattr(holder, "headers", None))
        if found is not None:
            return found
    return _lookup(getattr(obj, "id", None))


def feedback_id(response: Any) -> str:
    """The request id of what ``feedback()`` names: an answer of this process, a completion id
    (of a call this process made: the last 4,096 are kept; a cached answer repeats the id of
    the one it replays, so it names the latest call that answered with it), or a request id,
    which names its call in any process on the same ledger."""
    if isinstance(response, str):
        return request_id_of(response) or response
    call = info(response)
    if call is None:
        raise InvalidRequestError(
            f"costroute knows no call of this {type(response).__name__}.",
            field="response",
            fix="pass the ChatCompletion the client returned, its id, or the request id of its"
            " x-costroute-request-id header",
        )
    return call.request_id
