"""Build the serving app from a Steward installation and run it with uvicorn."""

from __future__ import annotations

import importlib.util
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from steward.app import Steward
from steward.services.packaging import load_version
from steward.serving.app import Limits, ServingApp
from steward.serving.payload_log import PayloadLog
from steward.serving.runtime import Runtime


def create_app(
    steward: Steward,
    deployment: str,
    *,
    payload_log: Path | None,
    limits: Limits | None = None,
    poll_interval: float = 0.3,
) -> ServingApp:
    """The app for *deployment*, reading it from *steward*'s store and loading from its artifacts."""
    runtime = Runtime(
        deployment,
        steward.deployments,
        lambda version: load_version(steward.artifacts, version),
        poll_interval=poll_interval,
    )
    log = None
    if payload_log is not None:
        log = PayloadLog(payload_log, on_drop=runtime.metrics.payload_dropped.inc)
    return ServingApp(runtime, payload_log=log, limits=limits)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket with TCP_NODELAY (inherited by accepted connections on Linux) and SO_REUSEADDR."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(app: ServingApp, host: str, port: int, *, log_level: str = "warning") -> None:
    """Serve until SIGINT or SIGTERM; uvicorn then finishes requests in flight and runs the shutdown."""
    import uvicorn

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    config = uvicorn.Config(
        app,
        http=http,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=30,
        server_header=False,
    )
    sock = listen(host, port)
    try:
        with _signals_end_quietly():
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def _signals_end_quietly() -> Iterator[None]:
    """uvicorn stops gracefully on SIGINT/SIGTERM, then raises the signal again for the previous
    handler; a no-op handler in between lets the command end normally (exit 0) after the shutdown."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    return None
