"""Build the serving app from a Steward installation and run it with uvicorn."""

from __future__ import annotations

import gc
import importlib.util
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from steward.app import Steward
from steward.services.locations import storage_options_for
from steward.services.packaging import load_version
from steward.serving.app import Limits, ServingApp
from steward.serving.changes import PostgresChangeListener
from steward.serving.explain import Backgrounds
from steward.serving.metrics import ServingMetrics
from steward.serving.payload_log import PayloadLog
from steward.serving.payload_sink import open_sink
from steward.serving.runtime import Runtime
from steward.settings import Settings

#: How often the deployment is re-read: the only way to learn of changes on SQLite, a safety net on
#: PostgreSQL (which announces them: see steward.serving.changes).
POLL_SECONDS = 0.3
SAFETY_POLL_SECONDS = 5.0


def create_app(
    steward: Steward,
    deployment: str,
    *,
    payload_log: str | Path | None,
    limits: Limits | None = None,
    poll_interval: float | None = None,
    worker: str | None = None,
    metrics_dir: str | None = None,
    explain_background: str | Backgrounds | None = None,
) -> ServingApp:
    """The app for *deployment*, reading it from *steward*'s store and loading from its artifacts.

    *payload_log* is a folder or an fsspec URL (written with the ``payloads_options`` setting).
    *worker* (``w0``, ``w1``…) names this process's payload-log files when several serve one port;
    *metrics_dir* is then the folder all of them write their metrics to (see
    :func:`steward.serving.metrics.enable_multiprocess`, called before this).
    *explain_background* is a Parquet or CSV file (path or URL) of rows that ``/explain`` compares
    with; without it, each version's lineage training dataset is read if it has a ``uri``."""
    uri = steward.settings.uri
    changes = PostgresChangeListener(uri) if uri.startswith(("postgresql", "postgres:")) else None
    runtime = Runtime(
        deployment,
        steward.deployments,
        lambda version: load_version(steward.artifacts, version),
        metrics=ServingMetrics(deployment, multiprocess_dir=metrics_dir),
        poll_interval=poll_interval or (SAFETY_POLL_SECONDS if changes else POLL_SECONDS),
        changes=changes,
    )
    log = None
    if payload_log is not None:
        sink = open_sink(payload_log, steward.settings.payloads_options)
        log = PayloadLog(sink, on_drop=runtime.metrics.payload_dropped.inc, worker=worker)
    backgrounds = (
        explain_background
        if isinstance(explain_background, Backgrounds)
        else open_backgrounds(steward.settings, explain_background)
    )
    return ServingApp(runtime, payload_log=log, limits=limits, backgrounds=backgrounds)


def open_backgrounds(settings: Settings, location: str | None) -> Backgrounds:
    """The explanation backgrounds: a sample of *location* read now, or each version's lineage data.

    A URL on the artifacts' kind of storage is read with the ``artifacts_options`` setting."""

    def options_for(url: str) -> dict[str, Any]:
        return storage_options_for(url, settings.artifacts, settings.artifacts_options)

    if location is not None:
        return Backgrounds.from_file(location, options_for)
    return Backgrounds(options_for=options_for)


def listen(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket with SO_REUSEADDR (and SO_REUSEPORT when several workers share the port).

    It is made with ``IPPROTO_TCP`` (not 0) so that asyncio sets TCP_NODELAY on every connection it
    accepts (uvicorn's own multi-worker socket is made with 0, and its connections go without); the
    option is also set on the listener itself. tests/serving/test_workers.py checks an accepted one."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run(
    app: ServingApp, host: str, port: int, *, reuse_port: bool = False, log_level: str = "warning"
) -> None:
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
    sock = listen(host, port, reuse_port=reuse_port)
    import pyarrow.parquet  # noqa: F401 - the payload log's, imported now so that it is frozen below

    # Everything alive now (the libraries, the app) lives as long as the process: out of the
    # collector's sight, a full collection no longer walks it (it stalled requests for 100-340 ms).
    # The same after every swap: loading a model imports its libraries (scikit-learn, skops, scipy:
    # ~90,000 objects) and builds the model; left in view, they made each full collection ~300 ms.
    gc.freeze()
    app.runtime.after_swap = gc.freeze
    # A thread waiting for the GIL (the swap's loader, the payload writer) waits up to the switch
    # interval each time it wants it back; at the default 5 ms, loading a model while inline
    # predictions kept the loop busy took 20 s under 32 clients (the loader wants the GIL back
    # after every read). 1 ms bounds both that and how long the writer can hold up a request.
    sys.setswitchinterval(0.001)
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
