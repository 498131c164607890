"""What the simulator's request handlers share: configuration, caches (prompt prefixes,
answers), faults, the request log and the open connections."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._engine import PromptCache
from ._faults import FaultQueue
from ._grader import DEFAULT_MEMORY, Grader
from ._profiles import ModelProfile, Provider
from ._wire import Ids

__all__ = ["REDACTED", "RecordedRequest", "SimState"]

REDACTED = "[secure]"
_SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "proxy-authorization", "x-goog-api-key", "cookie"}
)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the simulator received; secret header values are ``"[secure]"``."""

    path: str
    provider: Provider
    model: str
    body: dict[str, Any]
    headers: dict[str, str]


class SimState:
    """What the request handlers share: configuration, caches, faults and the request log."""

    def __init__(
        self,
        profiles: Mapping[str, ModelProfile],
        seed: int,
        latency_scale: float,
        answer_memory: int = DEFAULT_MEMORY,
    ) -> None:
        self.profiles = dict(profiles)
        self.seed = seed
        self.latency_scale = latency_scale
        self.cache = PromptCache()
        self.grader = Grader(seed, self.profiles, answer_memory)
        self.faults = FaultQueue()
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._counter = 0

    def record(self, path: str, provider: Provider, model: str, body: dict[str, Any],
               headers: dict[str, str]) -> None:  # fmt: skip
        """Log a request, with secret header values redacted."""
        safe = {k: REDACTED if k.lower() in _SECRET_HEADERS else v for k, v in headers.items()}
        with self._lock:
            self._requests.append(RecordedRequest(path, provider, model, body, safe))

    def track(self, conn: socket.socket) -> None:
        """Remember an open connection, so that :meth:`close_connections` can end it."""
        with self._lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        """Forget a closed connection."""
        with self._lock:
            self._connections.discard(conn)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alive ones included)."""
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log."""
        with self._lock:
            return list(self._requests)

    def next_ids(self, provider: Provider) -> Ids:
        """Fresh identifiers, unique per request and deterministic given the seed."""
        with self._lock:
            self._counter += 1
            number = self._counter
        digest = hashlib.sha256(f"{self.seed}:{number}".encode()).hexdigest()
        created = int(time.time())
        if provider == "anthropic":
            return Ids(f"msg_01{digest[:22]}", f"toolu_01{digest[22:44]}", created)
        if provider == "deepseek":
            uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            return Ids(uuid, f"call_00_{digest[32:56]}", created)
        return Ids(f"chatcmpl-{digest[:29]}", f"call_{digest[29:53]}", created)

    def reset(self) -> None:
        """Forget requests, cached prefixes, remembered answers and queued faults."""
        with self._lock:
            self._requests.clear()
        self.cache.clear()
        self.grader.clear()
        self.faults.clear()

    def models_list(self, provider: Provider | None) -> dict[str, Any]:
        """The ``GET /models`` answer in the provider's format."""
        names = sorted(m for m, p in self.profiles.items() if provider in (None, p.provider))
        if provider == "anthropic":
            data = [{"type": "model", "id": m, "display_name": m, "created_at": "2026-01-01T00:00:00Z"}
                    for m in names]  # fmt: skip
            return {"data": data, "has_more": False, "first_id": names[0] if names else None,
                    "last_id": names[-1] if names else None}  # fmt: skip
        models = [
            {"id": m, "object": "model", "created": 0, "owned_by": self.profiles[m].provider}
            for m in names
        ]
        return {"object": "list", "data": models}
