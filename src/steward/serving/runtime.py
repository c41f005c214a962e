"""Keep the routing table in step with the deployment: load, warm up, swap.

A background thread asks the control plane's resolver for the deployment every
``poll_interval`` seconds (one ``resolve`` call), and at
once when a :class:`ChangeFeed` (PostgreSQL's LISTEN/NOTIFY, see
:mod:`~steward.serving.changes`) announces a change to the deployment or to a
model whose alias it follows; polling then is only a slow safety net. When its
``marker`` changes, the new versions are loaded and warmed up in that same
thread (a one-row example built from the signature goes through
``predict``), then the new :class:`~steward.serving.routing.RoutingTable`
replaces the old one in a single reference assignment. Requests in flight keep
the table they started with; models no longer routed to are dropped from the
cache and freed when the last request holding them ends.

If a route's version fails to load, the deployment's ``fallback`` takes its
share; without a fallback the swap is refused, the old table keeps serving,
and the failure is logged and counted. The failed marker is retried after
``retry_interval`` seconds or when the deployment changes again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from steward.core.deployment import ResolvedDeployment, ResolvedRoute
from steward.core.registry import ModelRef, ModelVersion
from steward.core.signature import ColumnSpec, Signature
from steward.serving.metrics import ServingMetrics
from steward.serving.routing import RoutingTable, Served, ServedModel, has_proba
from steward.serving.validation import numpy_dtype

log = logging.getLogger("steward.serving")

CacheKey = tuple[str, str, str]
Loader = Callable[[ModelVersion], ServedModel]


class DeploymentResolver(Protocol):
    """What the server needs of the control plane: the deployment as it stands now."""

    def resolve(self, name: str) -> ResolvedDeployment: ...


class ChangeFeed(Protocol):
    """Announcements of deployment changes and alias moves, from another thread.

    ``on_change(name)`` gets the deployment's or the model's name, or None when changes may have
    been missed (the feed just (re)connected)."""

    def start(self, on_change: Callable[[str | None], None]) -> None: ...

    def stop(self) -> None: ...


class SwapError(Exception):
    """A new routing table could not be built; the old one keeps serving."""


def cache_key(version: ModelVersion) -> CacheKey:
    """Versions with the same artifact, flavor and options share one loaded model."""
    options = json.dumps(version.flavor_options, sort_keys=True, default=str)
    return (version.artifact_digest, version.flavor, options)


class ModelCache:
    """Loaded models by artifact digest, so a version that stays across swaps is not reloaded."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader
        self._models: dict[CacheKey, ServedModel] = {}

    def get(self, version: ModelVersion) -> tuple[ServedModel, bool]:
        """The loaded model for *version*, and whether it was loaded just now."""
        key = cache_key(version)
        model = self._models.get(key)
        if model is not None:
            return model, False
        model = self._loader(version)
        self._models[key] = model
        return model, True

    def retain(self, versions: list[ModelVersion]) -> None:
        """Forget every model not behind *versions* (requests still holding one keep it alive)."""
        keep = {cache_key(v) for v in versions}
        for key in [k for k in self._models if k not in keep]:
            del self._models[key]

    def __len__(self) -> int:
        return len(self._models)


def example_row(signature: Signature) -> Any:
    """A one-row input of the signature's types: zeros, empty strings, ``False``, the epoch."""
    if signature.kind == "tensor":
        arrays = {spec.name: _example_tensor(spec) for spec in signature.inputs}
        return next(iter(arrays.values())) if len(arrays) == 1 else arrays
    return pd.DataFrame({spec.name: [_example_value(spec)] for spec in signature.inputs})


def _example_value(spec: ColumnSpec) -> Any:
    if spec.type == "string":
        return ""
    if spec.type == "binary":
        return b""
    if spec.type == "bool":
        return False
    if spec.type == "datetime":
        return pd.Timestamp(0)
    return np.zeros(1, dtype=spec.type)[0]


def _example_tensor(spec: ColumnSpec) -> np.ndarray:
    shape = tuple(1 if d == -1 else d for d in (spec.shape or (1,)))
    return np.zeros(shape, dtype=numpy_dtype(spec.type))


def warm_up(model: ServedModel, version: ModelVersion) -> None:
    """Call the model once so the first request does not pay for lazy set-up; failures only warn."""
    if version.signature is None:
        return
    example = example_row(version.signature)
    try:
        model.predict(example)
        if has_proba(model):
            model.predict_proba(example)  # type: ignore[attr-defined]
    except Exception as exc:  # the model's own code: a synthetic row may not suit it
        log.warning("warm-up of %s on a synthetic row failed (serving it anyway): %s", version.ref, exc)


class Runtime:
    """The current routing table of one deployment, and the task that keeps it current."""

    def __init__(
        self,
        deployment: str,
        resolver: DeploymentResolver,
        loader: Loader,
        *,
        metrics: ServingMetrics | None = None,
        poll_interval: float = 0.3,
        retry_interval: float = 5.0,
        changes: ChangeFeed | None = None,
    ) -> None:
        self.deployment = deployment
        self.resolver = resolver
        self.cache = ModelCache(loader)
        self.metrics = metrics or ServingMetrics(deployment)
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.table: RoutingTable | None = None
        #: The kill switch's reason while the deployment is stopped without a fallback (table None).
        self.stopped: str | None = None
        self._stopped_marker: object = None
        self.last_error: str | None = None
        self._failed: tuple[object, float] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by the change feed: re-resolve now
        self.changes = changes
        #: Names whose announced changes concern this deployment: itself and the models it serves.
        self._watched: frozenset[str] = frozenset({deployment})
        #: Called (in the refresh thread) after a new table went live; the server freezes the
        #: collector's view of everything loaded then (see :func:`steward.serving.server.run`).
        self.after_swap: Callable[[], None] | None = None
        #: Called (in the refresh thread) with each version routed to, once loaded and warmed up: the
        #: server draws its explanation background then (see :mod:`steward.serving.explain`).
        self.on_load: Callable[[ModelVersion, ServedModel], None] | None = None

    @property
    def ready(self) -> bool:
        return self.table is not None

    def refresh(self) -> bool:
        """Resolve the deployment; if it changed, load, warm up and swap. True if a new table went live."""
        with self._lock:
            resolved = self.resolver.resolve(self.deployment)
            self._watched = _watched(resolved)
            marker = resolved.marker
            current = self.table
            if current is not None and current.marker == marker:
                return False
            if resolved.stopped is not None:
                return self._stop_serving(resolved)
            failed = self._failed
            if failed and failed[0] == marker and time.monotonic() - failed[1] < self.retry_interval:
                return False
            try:
                table = self._build(resolved)
            except SwapError as exc:
                self._failed = (marker, time.monotonic())
                self.last_error = str(exc)
                self.metrics.load_failures.inc()
                log.error("deployment %s: %s; still serving the previous versions", self.deployment, exc)
                return False
            self.table = table  # the swap: one reference assignment
            self.stopped = None
            self._stopped_marker = None
            self._failed = None
            self.last_error = None
            self.cache.retain([r.version for r in (*table.routes, *table.shadows)])
            if current is not None:
                self.metrics.swaps.inc()
            if self.after_swap is not None:
                self.after_swap()
            log.info(
                "deployment %s now serves %s",
                self.deployment,
                ", ".join(f"{r.label} ({r.weight:g}%)" for r in table.routes),
            )
            return True

    def _stop_serving(self, resolved: ResolvedDeployment) -> bool:
        """The kill switch without a fallback: drop the table, so every request gets a 503 naming why."""
        if self.table is None and self._stopped_marker == resolved.marker:
            return False
        self.stopped = resolved.stopped
        self.table = None  # the swap: requests starting from now are refused
        self._stopped_marker = resolved.marker
        self._failed = None
        self.last_error = None
        self.cache.retain([])
        self.metrics.swaps.inc()
        log.warning("deployment %s stopped by its kill switch: %s", self.deployment, resolved.stopped)
        return True

    def _load(self, version: ModelVersion) -> ServedModel:
        model, fresh = self.cache.get(version)
        if fresh:
            warm_up(model, version)
        if self.on_load is not None:
            self.on_load(version, model)
        return model

    def _build(self, resolved: ResolvedDeployment) -> RoutingTable:
        routes: list[Served] = []
        failures: list[str] = []
        fallback: ServedModel | None = None
        for route in resolved.routes:
            try:
                routes.append(Served(route.ref, route.version, self._load(route.version), route.weight))
                continue
            except Exception as exc:  # any flavor's loading code: report it, try the fallback
                failures.append(f"{route.version.ref} failed to load: {type(exc).__name__}: {exc}")
                log.error("deployment %s: %s", self.deployment, failures[-1])
                self.metrics.load_failures.inc()
            if resolved.fallback is None:
                continue
            if fallback is None:
                fallback = self._load_fallback(resolved, failures)
            if fallback is not None:
                routes.append(_fallback_route(route, resolved.fallback, fallback))
        if len(routes) < len(resolved.routes):
            raise SwapError("; ".join(failures) or "no route could be loaded")
        spec = resolved.deployment.spec
        try:
            return RoutingTable(
                self.deployment,
                routes,
                marker=resolved.marker,
                revision=resolved.deployment.revision,
                sticky_header=spec.sticky_header,
                log_sample_rate=spec.log_sample_rate,
                batching=spec.batching,
                shadows=self._load_shadows(resolved),
            )
        except ValueError as exc:
            raise SwapError(str(exc)) from None

    def _load_shadows(self, resolved: ResolvedDeployment) -> list[Served]:
        """The shadows that load and warm up; one that fails is logged, counted and left out."""
        shadows = []
        for version in resolved.shadows:
            try:
                shadows.append(Served(version.ref, version, self._load(version), 0.0))
            except Exception as exc:  # any flavor's loading code: clients must not notice
                log.error(
                    "deployment %s: shadow %s failed to load (left out): %s",
                    self.deployment,
                    version.ref,
                    exc,
                )
                self.metrics.load_failures.inc()
        return shadows

    def _load_fallback(self, resolved: ResolvedDeployment, failures: list[str]) -> ServedModel | None:
        assert resolved.fallback is not None
        try:
            return self._load(resolved.fallback)
        except Exception as exc:  # the fallback's loading code
            failures.append(f"fallback {resolved.fallback.ref} failed to load too: {exc}")
            return None

    # -- the background thread -------------------------------------------------

    def start(self) -> None:
        """Start the refresh thread (its first pass loads the models), and the change feed.

        A thread, not a task on the event loop: under a saturated loop (every connection busy with
        inline predictions) a task waits its turn for seconds, a thread gets the GIL within the
        switch interval; the swap itself is one reference assignment either way."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._poll, name="steward-refresh", daemon=True)
            self._thread.start()
            if self.changes is not None:
                self.changes.start(self.changed)

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self.changes is not None:
            await asyncio.to_thread(self.changes.stop)
        self._stop.set()
        self._wake.set()
        await asyncio.to_thread(thread.join)

    def changed(self, name: str | None) -> None:
        """A change was announced (from any thread): re-resolve now if it may concern this deployment."""
        if name is None or name in self._watched:
            self._wake.set()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.refresh()
            except Exception as exc:  # the store may be briefly unreachable: keep serving, retry
                self.last_error = f"cannot resolve deployment {self.deployment!r}: {exc}"
                log.error("%s", self.last_error)
            self._wake.wait(self.poll_interval)


def _watched(resolved: ResolvedDeployment) -> frozenset[str]:
    spec = resolved.deployment.spec
    refs = [r.ref for r in spec.routes] + list(spec.shadows) + ([spec.fallback] if spec.fallback else [])
    return frozenset({resolved.deployment.name, *(ModelRef.parse(ref).model for ref in refs)})


def _fallback_route(route: ResolvedRoute, version: ModelVersion | None, model: ServedModel) -> Served:
    assert version is not None
    return Served(route.ref, version, model, route.weight, fallback_for=route.version.ref)
