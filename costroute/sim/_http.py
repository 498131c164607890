"""The simulator's HTTP/1.1 connection plumbing, under :class:`~costroute.sim._handler.Handler`:
sockets with ``TCP_NODELAY`` registered for shutdown, request bodies (chunked or not), and
responses written in ONE send (status line, headers and body), a reset, or a cut body.

On loopback, a response split over two sends meets Nagle's algorithm and delayed ACK and stalls
about 40 ms, which would falsify every latency the simulator serves.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._state import SimState

__all__ = ["Connection", "json_bytes"]

logger = logging.getLogger("costroute.sim")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Overloaded" if status == 529 else "Error"


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class Connection(BaseHTTPRequestHandler):
    """One connection to the simulator (HTTP/1.1, keep-alive): how bytes come in and go out."""

    protocol_version = "HTTP/1.1"
    server_version = "costroute-sim"
    sim: SimState  # set on the subclass the server builds

    def setup(self) -> None:
        """Disable Nagle on the accepted socket and register it for shutdown."""
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sim.track(self.request)

    def finish(self) -> None:
        """Unregister the socket."""
        self.sim.untrack(self.request)
        with contextlib.suppress(OSError):  # the peer is gone; nothing left to flush
            super().finish()

    def handle(self) -> None:
        """Serve requests until the peer leaves; a vanished peer is not an error."""
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError) as exc:
            logger.debug("connection ended: %r", exc)

    def log_message(self, format: str, *args: Any) -> None:
        """Log to ``costroute.sim`` at DEBUG instead of writing to stderr."""
        logger.debug("%s " + format, self.address_string(), *args)

    def _write(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Status line, headers and body in a single send."""
        lines = [f"HTTP/1.1 {status} {_reason(status)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if "Transfer-Encoding" not in headers:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close" if self.close_connection else "Connection: keep-alive")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.log_request(status, len(body))

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._write(
            status, json_bytes(obj), {"Content-Type": "application/json", **(headers or {})}
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _drop(self) -> None:
        """Close the connection with a TCP reset, without answering."""
        self.close_connection = True
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _write_cut(self, payload: bytes) -> None:
        """Announce the whole body, send half of it (one send), then close."""
        self.close_connection = True
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}"
        )
        self.wfile.write(
            f"{head}\r\nConnection: close\r\n\r\n".encode() + payload[: len(payload) // 2]
        )
