"""Observability: callbacks on routing events and OpenTelemetry spans of every call.

::

    from costroute.observe import Observer

    observer = Observer(
        on_decision=lambda plan, request: print(plan),
        on_complete=lambda info: print(info.deployment, info.cost_usd),
        tracing=True,                       # spans after the GenAI conventions: costroute[otel]
    )
    router = costroute.Router(observer=observer)

A callback that raises is logged at WARNING on the ``"costroute"`` logger and ignored: it never
breaks a call. OpenTelemetry is imported only when tracing is asked for. ``Router(observer=...)``
takes an ``Observer`` or any :class:`ObserverLike` (``decision``, ``attempt`` and ``complete``
methods). See docs/observability.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from costroute._lazy import lazy_names
from costroute.observe._protocol import ObserverLike

if TYPE_CHECKING:
    from costroute.observe._callbacks import Callbacks, OnAttempt, OnComplete, OnDecision
    from costroute.observe._observer import Observer

__all__ = [
    "Callbacks",
    "Observer",
    "ObserverLike",
    "OnAttempt",
    "OnComplete",
    "OnDecision",
]

__getattr__ = lazy_names(
    __name__,
    {
        "Callbacks": "costroute.observe._callbacks",
        "Observer": "costroute.observe._observer",
        "OnAttempt": "costroute.observe._callbacks",
        "OnComplete": "costroute.observe._callbacks",
        "OnDecision": "costroute.observe._callbacks",
    },
)
