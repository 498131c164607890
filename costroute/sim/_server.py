"""The :class:`Simulator`: a loopback HTTP server that speaks three providers' chat APIs."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ._engine import PromptCache
from ._faults import Fault, FaultQueue
from ._handler import Handler
from ._profiles import DEFAULT_PROFILES, PROVIDERS, ModelProfile, Provider
from ._wire import Ids

__all__ = ["RecordedRequest", "SimState", "Simulator"]

logger = logging.getLogger("costroute.sim")

REDACTED = "[secure]"
_SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "api-key", "proxy-authorization", "x-goog-api-key", "cookie"}
)
_API_PATHS: dict[Provider, str] = {
    "openai": "/openai/v1",
    "anthropic": "/anthropic",
    "deepseek": "/deepseek",
}


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
        self, profiles: Mapping[str, ModelProfile], seed: int, latency_scale: float
    ) -> None:
        self.profiles = dict(profiles)
        self.seed = seed
        self.latency_scale = latency_scale
        self.cache = PromptCache()
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
        """Forget requests, cached prefixes and queued faults."""
        with self._lock:
            self._requests.clear()
        self.cache.clear()
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # socketserver's default of 5 refuses bursts of concurrent calls  # idle keep-alive connections must not hold up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("error serving %s", client_address, exc_info=True)


class Simulator:
    """A local simulator of the OpenAI, Anthropic and DeepSeek chat HTTP APIs.

    Args:
        profiles: model id -> :class:`ModelProfile`; :data:`DEFAULT_PROFILES` if ``None``.
        seed: makes answers deterministic (given the same request body).
        latency_scale: multiplies every simulated wait; ``0`` answers at once.
        host: interface to bind; keep the loopback default.
        port: ``0`` picks a free port.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with Simulator(latency_scale=0) as sim:
            base = sim.api_base("deepseek")
    """

    def __init__(
        self,
        profiles: Mapping[str, ModelProfile] | None = None,
        seed: int = 0,
        latency_scale: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if latency_scale < 0:
            raise ValueError(f"Simulator latency_scale must be >= 0, got {latency_scale}")
        self._state = SimState(
            DEFAULT_PROFILES if profiles is None else profiles, seed, latency_scale
        )
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "stopped"
        return f"<Simulator {where} models={len(self._state.profiles)}>"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Simulator:
        """Bind the port and serve in a daemon thread; returns ``self``."""
        if self._server is not None:
            raise RuntimeError("Simulator is already running; call stop() first")
        self._state.stopping.clear()
        handler = type("SimHandler", (Handler,), {"sim": self._state})
        self._server = _Server((self._host, self._port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"costroute-sim:{self.port}", daemon=True,
        )  # fmt: skip
        self._thread.start()
        logger.info("simulator listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        self._state.stopping.set()
        server.shutdown()
        self._state.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("simulator stopped")

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The bound TCP port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("Simulator is not running: call start() or use it in a with block")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``."""
        return f"http://{self._host}:{self.port}"

    def api_base(self, provider: str) -> str:
        """The ``api_base`` that sends litellm's (or the SDKs') calls for ``provider`` here.

        openai: ``{base_url}/openai/v1``; anthropic: ``{base_url}/anthropic``;
        deepseek: ``{base_url}/deepseek``.
        """
        if provider not in _API_PATHS:
            raise ValueError(f"Unknown provider {provider!r}: expected one of {PROVIDERS}")
        return self.base_url + _API_PATHS[provider]

    # ------------------------------------------------------------------ control and inspection

    @property
    def profiles(self) -> Mapping[str, ModelProfile]:
        """The models served, by id."""
        return dict(self._state.profiles)

    @property
    def latency_scale(self) -> float:
        """Multiplier of every simulated wait (settable while running)."""
        return self._state.latency_scale

    @latency_scale.setter
    def latency_scale(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"Simulator latency_scale must be >= 0, got {value}")
        self._state.latency_scale = value

    def inject(self, fault: Fault, model: str | None = None, times: int = 1) -> None:
        """Make the next ``times`` requests (to ``model`` only, if given) fail with ``fault``."""
        self._state.faults.push(fault, model, times)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received so far, oldest first (a copy)."""
        return self._state.requests()

    def reset(self) -> None:
        """Forget received requests, remembered prompt prefixes and queued faults."""
        self._state.reset()
