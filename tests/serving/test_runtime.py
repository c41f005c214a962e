"""Hot swap: load and warm off the request path, swap one reference, keep serving on failure."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from steward.core.registry import ModelVersion
from steward.serving.runtime import Loader, Runtime, example_row
from tests.serving.conftest import DEPLOYMENT, Registry, StaticResolver, build_app
from tests.serving.requests import oip_tensor

INFER = "/v2/models/churn-api/infer"


class CountingLoader:
    def __init__(self, inner: Loader, broken: set[str] | None = None) -> None:
        self.inner = inner
        self.broken = broken or set()
        self.loaded: list[str] = []
        self.predicted = 0

    def __call__(self, version: ModelVersion) -> Any:
        if version.ref in self.broken:
            raise OSError(f"cannot read {version.ref}")
        self.loaded.append(version.ref)
        return self.inner(version)


def test_swap_only_when_the_marker_changes_and_reuse_loaded_artifacts(registry: Registry) -> None:
    loader = CountingLoader(registry.loader())
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, loader)
    runtime = app.runtime
    assert runtime.refresh() and not runtime.refresh()  # nothing changed: no new table
    first = runtime.table
    resolver.set({"digits/1": 50, "digits/2": 50})
    assert runtime.refresh()
    assert runtime.table is not first and loader.loaded == ["digits/1", "digits/2"]  # v1 not reloaded
    resolver.set({"digits/2": 100})
    assert runtime.refresh()
    assert len(runtime.cache) == 1 and loader.loaded == ["digits/1", "digits/2"]
    assert runtime.metrics.swaps._value.get() == 2


def test_a_version_that_fails_to_load_keeps_the_old_table(registry: Registry) -> None:
    loader = CountingLoader(registry.loader(), broken={"digits/2"})
    resolver = StaticResolver(registry, {"digits/1": 100})
    runtime = build_app(resolver, loader).runtime
    assert runtime.refresh()
    old = runtime.table
    resolver.set({"digits/1": 50, "digits/2": 50})
    assert not runtime.refresh()
    assert runtime.table is old and "digits/2 failed to load" in (runtime.last_error or "")
    assert runtime.metrics.load_failures._value.get() >= 1
    assert not runtime.refresh()  # the same failed marker is not retried at once


def test_fallback_takes_the_share_of_a_version_that_failed(registry: Registry) -> None:
    loader = CountingLoader(registry.loader(), broken={"digits/2"})
    resolver = StaticResolver(registry, {"digits/1": 50, "digits/2": 50}, fallback="digits/1")
    runtime = build_app(resolver, loader).runtime
    assert runtime.refresh()
    assert runtime.table is not None
    labels = [(r.ref, r.label, r.fallback_for) for r in runtime.table.routes]
    assert labels == [("digits/1", "digits/1", None), ("digits/2", "digits/1", "digits/2")]


@pytest.mark.anyio
async def test_a_request_in_flight_keeps_the_table_it_started_with(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    gate = asyncio.Event()
    body = b'{"instances": [[0.1, 0.2, 0.3, 0.4]]}'
    sent = False

    async def slow_receive() -> dict[str, Any]:
        nonlocal sent
        await gate.wait()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    answers: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        answers.append(message)

    scope = {"type": "http", "method": "POST", "path": "/invocations", "headers": []}
    task = asyncio.create_task(app(scope, slow_receive, send))
    await asyncio.sleep(0.01)
    resolver.set({"digits/2": 100})
    assert await asyncio.to_thread(app.runtime.refresh)  # swapped while the request waits for its body
    gate.set()
    await task
    headers = dict(answers[0]["headers"])
    assert answers[0]["status"] == 200 and headers[b"steward-model-version"] == b"digits/1"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        after = await client.post(INFER, json=oip_tensor(1))
    assert after.json()["model_version"] == "digits/2"


@pytest.mark.anyio
async def test_lifespan_polls_and_becomes_ready(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    app = build_app(resolver, registry.loader())
    app.runtime.poll_interval = 0.05
    await app.startup()
    try:
        for _ in range(200):
            if app.runtime.ready:
                break
            await asyncio.sleep(0.02)
        assert app.runtime.ready
        resolver.set({"digits/2": 100})
        for _ in range(200):
            if app.runtime.table is not None and app.runtime.table.routes[0].label == "digits/2":
                break
            await asyncio.sleep(0.02)
        assert app.runtime.table is not None and app.runtime.table.routes[0].label == "digits/2"
        assert resolver.calls >= 2
    finally:
        await app.shutdown()


def test_warm_up_example_fits_the_signature(registry: Registry) -> None:
    churn = registry.version("churn/1")
    assert churn.signature is not None
    row = example_row(churn.signature)
    assert list(row.columns) == ["tenure", "charges", "plan"] and len(row) == 1
    digits = registry.version("digits/1")
    assert digits.signature is not None and example_row(digits.signature).shape == (1, 4)


class FakeFeed:
    """A change feed the test drives: ``announce(name)`` is what a NOTIFY would deliver."""

    def __init__(self) -> None:
        self.on_change: Any = None
        self.stopped = False

    def start(self, on_change: Any) -> None:
        self.on_change = on_change

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.anyio
async def test_an_announced_change_is_resolved_at_once_and_others_are_ignored(registry: Registry) -> None:
    resolver = StaticResolver(registry, {"digits/1": 100})
    feed = FakeFeed()
    runtime = Runtime(DEPLOYMENT, resolver, registry.loader(), poll_interval=60, changes=feed)
    runtime.start()
    try:
        await _until(lambda: runtime.ready)
        calls = resolver.calls
        feed.on_change("some-other-deployment")
        await asyncio.sleep(0.3)
        assert resolver.calls == calls  # not ours: no re-read before the (60 s) safety poll
        resolver.set({"digits/2": 100})
        feed.on_change("digits")  # an alias move of a model it serves
        await _until(lambda: runtime.table is not None and runtime.table.routes[0].label == "digits/2")
        assert runtime.table is not None and runtime.table.revision == 2
    finally:
        await runtime.stop()
    assert feed.stopped


async def _until(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")
