"""A real webhook receiver for tests: an HTTP server on a loopback port, in a thread.

It records every request (headers and body), answers ``status`` (200 unless
switched, e.g. to 503), and can be stopped and started again on the same port,
so a test can take it down for a while.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import free_port


@dataclass(frozen=True)
class Received:
    delivery: str
    event: str
    signature: str
    raw: bytes
    status: int

    @property
    def body(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.raw)
        return result


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    status: int = 200
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.status
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            self.headers.get("Steward-Delivery", ""),
                            self.headers.get("Steward-Event", ""),
                            self.headers.get("Steward-Signature", ""),
                            raw,
                            status,
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Received]:
        """The requests it answered with 2xx, in arrival order."""
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]
