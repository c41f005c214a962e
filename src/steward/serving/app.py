"""The inference server: a plain ASGI app for one deployment.

Routes (``{name}`` is the deployment's name; ``/versions/{v}`` pins a version
number the deployment serves)::

    GET  /v2                                    server metadata
    GET  /v2/health/live | /v2/health/ready     liveness, readiness (models loaded and warmed)
    GET  /v2/models/{name}[/versions/{v}]       model metadata (inputs and outputs from the signature)
    GET  /v2/models/{name}[/versions/{v}]/ready
    POST /v2/models/{name}[/versions/{v}]/infer Open Inference Protocol v2 (JSON, binary tensor extension)
    POST /v2/models/{name}[/versions/{v}]/explain  the rows' feature contributions (steward.serving.explain)
    POST /invocations                           MLflow scoring (JSON or CSV)
    GET  /ping | /health | /version             MLflow-style health and version
    GET  /metrics                               Prometheus text format

Every answer to a prediction names the version that answered, in the
``Steward-Model-Version`` header and the body's ``model_version``. Errors are
``{"error": "…"}``: 400 bad input, 404 unknown model or version, 405, 413 body
too large, 415, 500 only when the model's own code raised, 503 not ready.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from steward.core.errors import NotFoundError, StewardError
from steward.core.version import VERSION
from steward.serving import binary, explain, mlflow_format, oip
from steward.serving.batching import Batchers
from steward.serving.decoding import decode_mlflow, decode_oip
from steward.serving.errors import (
    MethodNotAllowedError,
    ModelFailedError,
    NotReadyError,
    status_for,
)
from steward.serving.http import (
    DEFAULT_MAX_BODY,
    JSON_TYPE,
    Disconnected,
    Receive,
    RequestHeaders,
    Scope,
    Send,
    dumps,
    error_body,
    read_body,
    read_headers,
    respond,
)
from steward.serving.metrics import CONTENT_TYPE as METRICS_TYPE
from steward.serving.payload_log import PayloadLog, PayloadRecord
from steward.serving.routing import RoutingTable, Served
from steward.serving.runtime import Runtime
from steward.serving.shadow import ShadowJob, ShadowRunner
from steward.serving.validation import DEFAULT_MAX_ROWS, Batch

log = logging.getLogger("steward.serving")

VERSION_HEADER = b"steward-model-version"


@dataclass(frozen=True)
class Limits:
    max_body: int = DEFAULT_MAX_BODY
    max_rows: int = DEFAULT_MAX_ROWS
    #: Requests of up to this many rows are predicted on the event loop; larger ones in a thread.
    inline_rows: int = 256


class ServingApp:
    """ASGI callable serving one deployment through a :class:`~steward.serving.runtime.Runtime`."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        payload_log: PayloadLog | None = None,
        limits: Limits | None = None,
        rng: random.Random | None = None,
        backgrounds: explain.Backgrounds | None = None,
    ) -> None:
        self.runtime = runtime
        self.backgrounds = backgrounds or explain.Backgrounds()
        runtime.on_load = self.backgrounds.prepare
        self.name = runtime.deployment
        self.metrics = runtime.metrics
        self.payload_log = payload_log
        self.limits = limits or Limits()
        self.rng = rng or random.Random()
        self._executor: ThreadPoolExecutor | None = None
        self._explainer: ThreadPoolExecutor | None = None  # one thread: explanations queue there
        self.batchers = Batchers(self.metrics)
        self.shadows = ShadowRunner(self.name, self.metrics, payload_log)
        if payload_log is not None:
            self.metrics.track_queue(payload_log.depth)

    # -- lifecycle -------------------------------------------------------------

    async def startup(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="steward-predict")
        self._explainer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steward-explain")
        if self.payload_log is not None:
            self.payload_log.start()
        self.shadows.start()
        self.metrics.start()
        self.runtime.start()

    async def shutdown(self) -> None:
        await self.runtime.stop()
        await asyncio.to_thread(self.shadows.close)  # their rows go to the payload log: before it closes
        if self.payload_log is not None:
            await asyncio.to_thread(self.payload_log.close)
        await asyncio.to_thread(self.metrics.stop)
        self.backgrounds.close()
        for pool in (self._executor, self._explainer):
            if pool is not None:
                pool.shutdown(wait=True)
        self._executor = self._explainer = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- dispatch --------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        try:
            if path.startswith("/v2/models/"):
                await self._models(scope, receive, send, method, path[len("/v2/models/") :].split("/"))
            elif path == "/invocations":
                _allow(method, "POST")
                await self._infer(scope, receive, send, "mlflow", None, None)
            else:
                await self._simple(send, method, path)
        except StewardError as exc:
            extra = []
            if isinstance(exc, MethodNotAllowedError):
                extra.append((b"allow", ", ".join(exc.allow).encode()))
            await respond(send, status_for(exc), error_body(exc.message), extra=extra)

    async def _models(
        self, scope: Scope, receive: Receive, send: Send, method: str, parts: list[str]
    ) -> None:
        name, rest = parts[0], parts[1:]
        pinned = None
        if len(rest) >= 2 and rest[0] == "versions" and rest[1]:
            pinned, rest = rest[1], rest[2:]
        if rest in (["infer"], ["explain"]):
            _allow(method, "POST")
            handler = self._infer if rest == ["infer"] else self._explain
            await handler(scope, receive, send, "oip", name, pinned)
            return
        if rest not in ([], ["ready"]):
            raise NotFoundError(f"No such endpoint: {method} {scope['path']}.")
        _allow(method, "GET")
        self._check_name(name)
        table = self.runtime.table
        if rest == ["ready"]:
            ready = table is not None and (pinned is None or table.pinned(pinned) is not None)
            await respond(send, 200 if ready else 503, dumps({"name": name, "ready": ready}))
            return
        if table is None:
            raise self._not_ready()
        route = table.pinned(pinned) if pinned is not None else table.routes[0]
        meta = oip.model_metadata(
            name, table.versions, route.version.flavor, route.signature, route.has_proba
        )
        await respond(send, 200, dumps(meta), extra=[(VERSION_HEADER, route.label_bytes)])

    async def _simple(self, send: Send, method: str, path: str) -> None:
        if path == "/metrics":
            _allow(method, "GET")
            await respond(send, 200, self.metrics.render(), content_type=METRICS_TYPE.encode())
            return
        table = self.runtime.table
        body: dict[str, Any]
        if path == "/v2/health/live":
            _allow(method, "GET")
            body = {"live": True}
        elif path in ("/v2/health/ready", "/ping", "/health"):
            _allow(method, "GET")
            if table is None:
                await respond(send, 503, dumps({"ready": False, "error": self._not_ready().message}))
                return
            body = {"ready": True}
        elif path in ("/v2", "/v2/"):
            _allow(method, "GET")
            body = {"name": "steward", "version": VERSION, "extensions": ["binary_tensor_data"]}
        elif path == "/version":
            _allow(method, "GET")
            served = [r.label for r in table.routes] if table else []
            revision = table.revision if table else None
            body = {
                "steward": VERSION,
                "deployment": self.name,
                "revision": revision,
                "model_versions": served,
            }
        else:
            raise NotFoundError(f"No such endpoint: {method} {path}. See /v2 and /invocations.")
        await respond(send, 200, dumps(body))

    def _check_name(self, name: str) -> None:
        if name != self.name:
            raise NotFoundError(f"Model {name!r} is not served here; this server serves {self.name!r}.")

    def _not_ready(self) -> NotReadyError:
        stopped = self.runtime.stopped
        if stopped is not None:
            return NotReadyError(
                f"Deployment {self.name!r} is stopped by its kill switch: {stopped}. It answers again "
                f"once an operator revives it (`steward kill revive {self.name} --reason ...`); "
                "declare a fallback version to keep answering while it is stopped."
            )
        why = f" (last error: {self.runtime.last_error})" if self.runtime.last_error else ""
        return NotReadyError(f"Deployment {self.name!r} is not ready: its models are loading{why}.")

    # -- predictions -----------------------------------------------------------

    async def _infer(
        self, scope: Scope, receive: Receive, send: Send, protocol: str, name: str | None, pinned: str | None
    ) -> None:
        started = time.perf_counter()
        table = self.runtime.table  # this request keeps this table to the end, whatever swaps
        route: Served | None = None
        batch: Batch | None = None
        outputs: dict[str, Any] | None = None
        request_id: str | None = None
        error: str | None = None
        header_length: int | None = None  # set when the answer uses the binary tensor extension
        self.metrics.in_flight.inc()
        try:
            try:
                if name is not None:
                    self._check_name(name)
                if table is None:
                    raise self._not_ready()
                headers = read_headers(scope, table.sticky_header)
                request_id = headers.request_id
                body = await read_body(receive, headers, self.limits.max_body)
                route = _choose(table, pinned, headers, self.rng)
                if protocol == "oip":
                    batch, wanted, request = decode_oip(body, headers, route, self.limits.max_rows)
                    request_id = request.id or request_id
                else:
                    batch, wanted = decode_mlflow(body, headers, route, self.limits.max_rows), ["predict"]
                outputs = await self._predict(route, batch, wanted, table)
                request_id = request_id or uuid.uuid4().hex
                status = 200
                if protocol == "oip":
                    fields = {"model_name": self.name, "model_version": route.label, "id": request_id}
                    payload, header_length = oip.answer(fields, outputs, request.binary_outputs)
                else:
                    answer = {
                        "predictions": mlflow_format.predictions(outputs["predict"]),
                        "model_version": route.label,
                    }
                    payload = dumps(answer)
            except StewardError as exc:
                status, error, outputs = status_for(exc), exc.message, None
                if isinstance(exc, ModelFailedError) and route is not None:
                    self.metrics.model_error(route.label)
                payload = error_body(error)
            except (Disconnected, asyncio.CancelledError):
                raise
            except Exception as exc:  # a bug of ours: answer 500 and keep the worker serving
                log.exception("internal error answering %s", scope["path"])
                status, error, outputs = 500, f"internal error: {type(exc).__name__}", None
                payload = error_body(error)
            extra = [(VERSION_HEADER, route.label_bytes)] if route is not None else []
            content_type = JSON_TYPE
            if header_length is not None:  # JSON header, then the raw outputs
                content_type = binary.CONTENT_TYPE
                extra.append((binary.HEADER, str(header_length).encode()))
            request_id = request_id or uuid.uuid4().hex
            extra.append((b"x-request-id", request_id.encode("latin-1", "replace")))
            elapsed = time.perf_counter() - started
            self._record(table, route, protocol, status, elapsed, request_id, batch, outputs, error)
            await respond(send, status, payload, content_type=content_type, extra=extra)
        except Disconnected:
            return  # nobody to answer; nothing was predicted
        finally:
            self.metrics.in_flight.dec()

    async def _explain(
        self, scope: Scope, receive: Receive, send: Send, protocol: str, name: str | None, pinned: str | None
    ) -> None:
        """Feature contributions for each row (at most explain.MAX_ROWS), computed on their own thread."""
        started, table, route, status = time.perf_counter(), self.runtime.table, None, 500
        try:
            assert name is not None
            self._check_name(name)
            if table is None:
                raise self._not_ready()
            headers = read_headers(scope, table.sticky_header)
            body = await read_body(receive, headers, self.limits.max_body)
            route = _choose(table, pinned, headers, self.rng)
            batch, _, request = decode_oip(body, headers, route, explain.MAX_ROWS)
            method, class_index = explain.options(request.parameters)
            loop = asyncio.get_running_loop()
            rows = await loop.run_in_executor(
                self._explainer, explain.explain_batch, route, batch, self.backgrounds, method, class_index
            )
            request_id = request.id or headers.request_id or uuid.uuid4().hex
            answer = {"model_name": self.name, "model_version": route.label, "id": request_id}
            status, payload = 200, dumps({**answer, "explanations": rows})
        except StewardError as exc:
            status, payload = status_for(exc), error_body(exc.message)
        except (Disconnected, asyncio.CancelledError):
            raise
        except Exception as exc:  # a bug of ours: answer 500 and keep the worker serving
            log.exception("internal error answering %s", scope["path"])
            payload = error_body(f"internal error: {type(exc).__name__}")
        finally:
            label = route.label if route is not None else ""
            self.metrics.observe(label, "explain", status, time.perf_counter() - started)
        extra = [(VERSION_HEADER, route.label_bytes)] if route is not None else []
        await respond(send, status, payload, extra=extra)

    async def _predict(
        self, route: Served, batch: Batch, wanted: list[str], table: RoutingTable | None = None
    ) -> dict[str, Any]:
        if table is not None and table.batching is not None:
            return await self.batchers.get(table, route).predict(batch, wanted)
        if batch.rows <= self.limits.inline_rows or self._executor is None:
            return _call_model(route, batch, wanted)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, _call_model, route, batch, wanted)

    def _record(
        self,
        table: RoutingTable | None,
        route: Served | None,
        protocol: str,
        status: int,
        elapsed: float,
        request_id: str,
        batch: Batch | None,
        outputs: dict[str, Any] | None,
        error: str | None,
    ) -> None:
        label = route.label if route is not None else ""
        self.metrics.observe(label, protocol, status, elapsed)
        logged = self.payload_log is not None
        rate = table.log_sample_rate if table is not None else 1.0
        if logged and rate < 1.0 and self.rng.random() >= rate:
            logged = False
        answered = route is not None and batch is not None and outputs is not None
        if answered and table is not None and table.shadows:  # a copy for the shadows, off the path
            assert route is not None and batch is not None
            self.shadows.submit(ShadowJob(table.shadows, route, batch, request_id, protocol, logged))
        if not logged or self.payload_log is None:
            return
        self.payload_log.submit(
            PayloadRecord(
                request_id=request_id,
                time=time.time(),
                deployment=self.name,
                version=route.label if route is not None else None,
                protocol=protocol,
                status=status,
                latency_ms=elapsed * 1000.0,
                rows=batch.rows if batch is not None else 0,
                inputs=batch.columns if batch is not None and outputs is not None else None,
                outputs=outputs,
                error=error,
            )
        )


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise MethodNotAllowedError(f"Method {method} is not allowed here; use {allowed}.", (allowed,))


def _choose(table: RoutingTable, pinned: str | None, headers: RequestHeaders, rng: random.Random) -> Served:
    if pinned is not None:
        return table.pinned(pinned)
    if headers.sticky is not None:
        return table.sticky(headers.sticky)
    return table.pick(rng.random())


def _call_model(route: Served, batch: Batch, wanted: list[str]) -> dict[str, Any]:
    model: Any = route.model
    out: dict[str, Any] = {}
    try:
        for name in wanted:
            out[name] = model.predict(batch.data) if name == "predict" else model.predict_proba(batch.data)
    except Exception as exc:  # the model's own code raised: a 500 that names it, counted per version
        log.exception("model %s failed", route.label)
        raise ModelFailedError(f"model failed: {type(exc).__name__}: {exc}") from exc
    return out
