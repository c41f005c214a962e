"""``steward serve DEPLOYMENT --engine ray``: the same inference app as replicas on Ray Serve.

Each replica is a Ray Serve ingress deployment built late (``serve.ingress()``
with ``__serve_build_asgi_app__``): the replica opens the store and the
artifacts from the :class:`~steward.settings.Settings` it is given as its
argument (nothing global, no environment variables), then builds the very app
``steward serve`` runs (:func:`steward.serving.server.create_app`): the same
routes, validation, hot-swap runtime, metrics and payload log (one set of
files per replica). Ray Serve's proxy runs the app's lifespan (models loaded
and warmed, the deployment polled) and spreads HTTP requests over the
replicas. Stopping deletes the application, which shuts each replica's app
down (the payload log is flushed) before Ray stops it.

Ray is an optional extra, imported only when this engine is used.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from steward.core.errors import InvalidInputError, StewardError, require_extra
from steward.serving.app import Limits, ServingApp
from steward.serving.http import Receive, Scope, Send
from steward.settings import Settings

log = logging.getLogger("steward.serving")


@dataclass(frozen=True)
class RaySpec:
    """What every replica needs, handed to it as its constructor argument."""

    settings: Settings
    deployment: str
    payload_log: str | Path | None
    limits: Limits
    explain_background: str | None = None


class StewardReplica:
    """One Ray Serve replica of a deployment's inference app (made an ingress by :func:`ray_deployment`)."""

    def __init__(self, spec: RaySpec) -> None:
        self.spec = spec
        self._steward: Any = None

    def __serve_build_asgi_app__(self) -> Any:
        from ray import serve

        from steward.app import Steward
        from steward.serving.server import create_app

        self._steward = Steward.open(self.spec.settings)
        replica = serve.get_replica_context().replica_id.unique_id
        app = create_app(
            self._steward,
            self.spec.deployment,
            payload_log=self.spec.payload_log,
            limits=self.spec.limits,
            worker=f"ray-{replica}",
            explain_background=self.spec.explain_background,
        )
        return ReadyFirst(app)

    def __del__(self) -> None:  # after Ray Serve ran the app's shutdown (payload log flushed)
        if getattr(self, "_steward", None) is not None:
            self._steward.close()
            self._steward = None


class ReadyFirst:
    """The serving app, whose lifespan startup returns only once its models are loaded and warmed.

    Ray Serve sends traffic to a replica as soon as its startup returns; waiting for the routing
    table here means a new replica never answers 503 "loading" (it does only if loading fails
    for ``READY_TIMEOUT`` seconds, with the error in its log and on ``/v2/health/ready``)."""

    READY_TIMEOUT = 120.0

    def __init__(self, app: ServingApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.app.startup()
                await self._loaded()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.app.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _loaded(self) -> None:
        deadline = time.monotonic() + self.READY_TIMEOUT
        while self.app.runtime.table is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.app.runtime.table is None:
            log.error("replica not ready after %.0f s: %s", self.READY_TIMEOUT, self.app.runtime.last_error)


def ray_deployment(name: str, replicas: int) -> Any:
    """The Ray Serve deployment of :class:`StewardReplica` for deployment *name*."""
    from ray import serve

    ingress = serve.ingress()(StewardReplica)
    return serve.deployment(ingress, name=name, num_replicas=replicas, graceful_shutdown_timeout_s=30)


def serve_on_ray(
    spec: RaySpec, *, replicas: int, host: str, port: int, address: str, on_ready: Any = None
) -> None:
    """Deploy *spec* as *replicas* Ray Serve replicas behind Ray's HTTP proxy on *host*:*port*, until
    SIGINT or SIGTERM; then delete the application (and stop the local Ray if this started it).

    *address* ``auto`` joins the cluster running on this machine (``ray start --head``) and starts
    a local one when there is none; ``local`` always starts one; anything else is a cluster address."""
    require_extra("ray", "ray", "steward serve --engine ray")
    if replicas < 1:
        raise InvalidInputError(f"--replicas must be at least 1, not {replicas}.")
    stop = threading.Event()
    with _connected(address) as started_here, _signals(stop):
        from ray import serve

        serve.start(http_options={"host": host, "port": port})
        app = ray_deployment(spec.deployment, replicas).bind(spec)
        try:
            serve.run(app, name=spec.deployment, route_prefix="/", blocking=False)
            if on_ready is not None:
                on_ready(started_here)
            stop.wait()
        except RuntimeError as exc:  # a replica failed to start: its error is in the message
            raise StewardError(f"Ray Serve could not start {spec.deployment!r}: {exc}") from None
        finally:  # also after a failed start: leave nothing half-deployed on the cluster
            serve.delete(spec.deployment)
            if started_here:
                serve.shutdown()  # type: ignore[no-untyped-call]


def replica_count(name: str) -> int:
    """How many replicas of deployment *name* Ray Serve reports RUNNING (on the connected cluster)."""
    from ray import serve

    status = serve.status().applications.get(name)
    if status is None:
        return 0
    found = status.deployments.get(name)
    if found is None:
        return 0
    states = found.replica_states.items()
    return sum(int(n) for state, n in states if str(getattr(state, "value", state)) == "RUNNING")


@contextmanager
def _connected(address: str) -> Iterator[bool]:
    """Ray connected as asked; yields whether a local Ray was started for this command."""
    import ray

    kwargs: dict[str, Any] = {"logging_level": logging.WARNING, "configure_logging": False}
    started = False
    if address == "local":
        ray.init(include_dashboard=False, **kwargs)
        started = True
    else:
        try:
            ray.init(address=address, **kwargs)
        except ConnectionError:
            if address != "auto":
                raise InvalidInputError(
                    f"No Ray cluster answers at {address}: start one (ray start --head) or pass "
                    "--ray-address auto."
                ) from None
            ray.init(include_dashboard=False, **kwargs)
            started = True
    try:
        yield started
    finally:
        ray.shutdown()


@contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
