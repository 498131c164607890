"""The :class:`Simulator`: a loopback HTTP server that speaks three providers' chat APIs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ._conversation import last_user
from ._faults import Fault
from ._grader import DEFAULT_MEMORY
from ._handler import Handler
from ._profiles import DEFAULT_PROFILES, PROVIDERS, ModelProfile, Provider
from ._state import RecordedRequest, SimState

__all__ = ["RecordedRequest", "SimState", "Simulator"]

logger = logging.getLogger("costroute.sim")

_API_PATHS: dict[Provider, str] = {
    "openai": "/openai/v1",
    "anthropic": "/anthropic",
    "deepseek": "/deepseek",
}


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
        seed: makes answers deterministic (given the same request body), and whether each
            model's answer to each request is right.
        latency_scale: multiplies every simulated wait; ``0`` answers at once.
        host: interface to bind; keep the loopback default.
        port: ``0`` picks a free port.
        answer_memory: how many answers it remembers for :meth:`check` and judge requests
            (the oldest are forgotten first).

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
        answer_memory: int = DEFAULT_MEMORY,
    ) -> None:
        if latency_scale < 0:
            raise ValueError(f"Simulator latency_scale must be >= 0, got {latency_scale}")
        self._state = SimState(
            DEFAULT_PROFILES if profiles is None else profiles, seed, latency_scale, answer_memory
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
        """Forget received requests, remembered prompt prefixes and answers, queued faults."""
        self._state.reset()

    # ------------------------------------------------------------------ answer quality

    def check(self, messages: Sequence[Mapping[str, Any]], answer: str) -> float:
        """1.0 when ``answer`` is a right answer this simulator gave to ``messages`` (their last
        user message), else 0.0 (wrong, unknown or forgotten, or another request's answer).
        ``costroute.Checker(sim.check)`` grades sampled calls with it."""
        return self._state.grader.check(messages, answer)

    def is_right(self, messages: Sequence[Mapping[str, Any]] | str, model: str) -> bool:
        """Whether ``model``'s answer to ``messages`` (or to this request text) is right: the
        simulator's ground truth, without a call (an answer cut by ``max_tokens`` is wrong
        whatever this says)."""
        text = messages if isinstance(messages, str) else last_user(list(messages))[0]
        return self._state.grader.right(text, model)
