"""Adaptive batching: many small requests to one version become one ``predict`` call.

Used when the deployment declares ``batching.enabled``. Each version of a
routing table gets a :class:`Batcher`. A request's inputs, already validated
(bad input never reaches a batch), are queued with a future; the timer starts
at the first queued request, and the batch goes to the model when it holds
``max_batch_size`` rows or ``max_wait_ms`` has passed, whichever comes first.
Requests are never split: a batch stops before the request that would take
it past ``max_batch_size`` (a single larger request is a batch of its own).
While a batch is being predicted the next one fills, so batches grow with
the load.

The model runs once on the concatenated rows (``pandas.concat`` for a table,
``numpy.concatenate`` along axis 0 for tensors) in a worker thread, never on
the event loop, and each request gets back exactly its own rows, in order.
This assumes rows are predicted independently, as every estimator-like model
does.

Isolation: if the batch cannot be joined, the model raises on it, or an
output does not have one row per input row, each request of the batch is
predicted alone, so only a request that fails on its own gets its
``model failed`` error (500). A request whose client went away (its task
cancelled) is skipped if still queued, and its answer discarded otherwise.
The batcher's task ends when its queue is empty and starts again on the next
request, so a batcher of a table swapped out drains its queue and is freed
with the table.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import weakref
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from steward.core.deployment import Batching
from steward.serving.errors import ModelFailedError
from steward.serving.metrics import ServingMetrics
from steward.serving.routing import RoutingTable, Served
from steward.serving.validation import Batch

log = logging.getLogger("steward.serving")

OUTPUTS = ("predict", "predict_proba")
Answer = dict[str, Any] | ModelFailedError


class UnbatchableError(ValueError):
    """The requests' inputs cannot be joined into one batch (they are then predicted one by one)."""


@dataclass(eq=False)
class Pending:
    """One queued request: its validated inputs, the outputs it asked for, and where its answer goes."""

    batch: Batch
    wanted: list[str]
    future: asyncio.Future[dict[str, Any]]
    enqueued: float


def concat(data: list[Any]) -> Any:
    """The requests' ``predict`` inputs as one: rows of the first, then of the second, …"""
    first = data[0]
    if isinstance(first, pd.DataFrame):
        columns = list(first.columns)
        if any(not isinstance(d, pd.DataFrame) or list(d.columns) != columns for d in data):
            raise UnbatchableError("the requests' tables have different columns")
        return pd.concat(data, ignore_index=True)
    if isinstance(first, np.ndarray):
        return np.concatenate(data, axis=0)
    if isinstance(first, dict):
        if any(not isinstance(d, dict) or d.keys() != first.keys() for d in data):
            raise UnbatchableError("the requests have different tensors")
        return {name: np.concatenate([d[name] for d in data], axis=0) for name in first}
    raise UnbatchableError(f"cannot join inputs of type {type(first).__name__}")


def rows_of(value: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of a model output (positional, for pandas too)."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.iloc[start:stop]
    return value[start:stop]


def _length(value: Any) -> int | None:
    try:
        return len(value)
    except TypeError:  # a scalar or 0-d array: not one row per input row
        return None


class Batcher:
    """The queue of one version of one routing table, and the task(s) that predict its batches."""

    def __init__(
        self,
        route: Served,
        batching: Batching,
        metrics: ServingMetrics,
        *,
        executor: Executor | None = None,
        concurrency: int = 1,
    ) -> None:
        self.route = route
        self.max_rows = batching.max_batch_size
        self.max_wait = batching.max_wait_ms / 1000.0
        self.executor = executor
        self.concurrency = concurrency
        self._size = metrics.batch_size.labels(metrics.deployment, route.label)
        self._wait = metrics.batch_wait.labels(metrics.deployment, route.label)
        self._queue: collections.deque[Pending] = collections.deque()
        self._queued_rows = 0
        self._tasks: set[asyncio.Task[None]] = set()  # held here: the loop keeps only weak references
        self._collecting = asyncio.Lock()
        self._waiter: asyncio.Future[None] | None = None

    @property
    def queued(self) -> int:
        """Requests waiting for a batch (cancelled ones included until they are skipped)."""
        return len(self._queue)

    async def predict(self, batch: Batch, wanted: list[str]) -> dict[str, Any]:
        """The outputs *wanted* for *batch*'s rows, predicted in a batch with other requests."""
        loop = asyncio.get_running_loop()
        item = Pending(batch, wanted, loop.create_future(), loop.time())
        self._queue.append(item)
        self._queued_rows += batch.rows
        waiter = self._waiter
        if waiter is not None and not waiter.done() and self._queued_rows >= self.max_rows:
            waiter.set_result(None)
        if len(self._tasks) < self.concurrency:
            self._tasks.add(loop.create_task(self._drain(), name=f"steward-batch-{self.route.label}"))
        return await item.future  # cancelling the request cancels the future: it is skipped

    # -- the task --------------------------------------------------------------

    async def _drain(self) -> None:
        """Predict batches until the queue is empty, then end (the next request starts a new task)."""
        try:
            while True:
                async with self._collecting:
                    items = await self._collect() if self._skip_cancelled() else []
                if items:
                    await self._flush(items)
                elif not self._queue:
                    return  # no await between this check and the discard below: no request is lost
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.discard(task)

    def _skip_cancelled(self) -> bool:
        while self._queue and self._queue[0].future.cancelled():
            self._queued_rows -= self._queue.popleft().batch.rows
        return bool(self._queue)

    async def _collect(self) -> list[Pending]:
        loop = asyncio.get_running_loop()
        deadline = self._queue[0].enqueued + self.max_wait  # the timer started with the first request
        while self._queued_rows < self.max_rows and loop.time() < deadline:
            waiter = self._waiter = loop.create_future()
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except TimeoutError:
                break
            finally:
                self._waiter = None
        return self._take()

    def _take(self) -> list[Pending]:
        items: list[Pending] = []
        rows = 0
        while self._queue:
            item = self._queue[0]
            if not item.future.cancelled() and items and rows + item.batch.rows > self.max_rows:
                break
            self._queue.popleft()
            self._queued_rows -= item.batch.rows
            if not item.future.cancelled():
                items.append(item)
                rows += item.batch.rows
        return items

    async def _flush(self, items: list[Pending]) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        for item in items:
            self._wait.observe(now - item.enqueued)
        answers: list[Answer]
        try:
            answers = await loop.run_in_executor(self.executor, self._answer, items)
        except Exception as exc:  # a bug of ours, not the model's: fail this batch, keep the batcher
            log.exception("batch for %s failed", self.route.label)
            answers = [ModelFailedError(f"batching failed: {type(exc).__name__}") for _ in items]
        for item, answer in zip(items, answers, strict=True):
            if item.future.done():  # the client went away while its batch was predicted
                continue
            if isinstance(answer, ModelFailedError):
                item.future.set_exception(answer)
            else:
                item.future.set_result(answer)

    # -- in the worker thread --------------------------------------------------

    def _answer(self, items: list[Pending]) -> list[Answer]:
        if len(items) > 1:
            try:
                return self._together(items)
            except Exception as exc:  # the model's code or joining the inputs: answer each alone
                log.warning(
                    "batch of %d requests for %s failed (%s: %s); predicting each alone",
                    len(items),
                    self.route.label,
                    type(exc).__name__,
                    exc,
                )
        return [self._alone(item) for item in items]

    def _together(self, items: list[Pending]) -> list[Answer]:
        wanted = [name for name in OUTPUTS if any(name in item.wanted for item in items)]
        data = concat([item.batch.data for item in items])
        total = sum(item.batch.rows for item in items)
        self._size.observe(total)
        model: Any = self.route.model
        outputs = {name: getattr(model, name)(data) for name in wanted}
        for name, value in outputs.items():
            if _length(value) != total:
                raise UnbatchableError(f"{name} returned {_length(value)} rows for {total}")
        answers: list[Answer] = []
        start = 0
        for item in items:
            stop = start + item.batch.rows
            answers.append({name: rows_of(outputs[name], start, stop) for name in item.wanted})
            start = stop
        return answers

    def _alone(self, item: Pending) -> Answer:
        self._size.observe(item.batch.rows)
        model: Any = self.route.model
        try:
            return {name: getattr(model, name)(item.batch.data) for name in item.wanted}
        except Exception as exc:  # the model's own code raised: a 500 that names it
            log.exception("model %s failed", self.route.label)
            return ModelFailedError(f"model failed: {type(exc).__name__}: {exc}")


class Batchers:
    """The batchers of each routing table with batching on, one per version, freed with the table."""

    def __init__(
        self, metrics: ServingMetrics, *, executor: Executor | None = None, concurrency: int = 1
    ) -> None:
        self.metrics = metrics
        self.executor = executor
        self.concurrency = concurrency
        self._tables: weakref.WeakKeyDictionary[RoutingTable, dict[str, Batcher]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, table: RoutingTable, route: Served) -> Batcher:
        """The batcher of *route*'s version in *table* (whose ``batching`` is on)."""
        assert table.batching is not None
        batchers = self._tables.get(table)
        if batchers is None:
            batchers = self._tables[table] = {}
        batcher = batchers.get(route.label)
        if batcher is None:
            batcher = batchers[route.label] = Batcher(
                route, table.batching, self.metrics, executor=self.executor, concurrency=self.concurrency
            )
        return batcher
