"""Many processes at once, and a process killed mid-transaction (real processes, spawned)."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

import pytest

from steward.core.errors import NotFoundError
from steward.store import open_store

from . import workers
from .builders import create, draft, register

SPAWN = multiprocessing.get_context("spawn")
PROCESSES, EACH = 8, 50


@pytest.mark.slow
def test_concurrent_registrations_get_distinct_gap_free_numbers(store_url: str) -> None:
    store = open_store(store_url)
    with store.write() as tx:
        create(tx, "churn")
    manager = SPAWN.Manager()
    start = manager.Barrier(PROCESSES)
    try:
        with ProcessPoolExecutor(PROCESSES, mp_context=SPAWN) as pool:
            args = (store_url, "churn", EACH, start)
            jobs = [pool.submit(workers.register_many, *args) for _ in range(PROCESSES)]
            results = [job.result(timeout=240) for job in jobs]
    finally:
        manager.shutdown()
    numbers = sorted(n for result in results for n in result)
    assert numbers == list(range(1, PROCESSES * EACH + 1))
    with store.read() as tx:
        assert tx.models.get_model("churn").latest_version == PROCESSES * EACH
        assert tx.models.get_version("churn", PROCESSES * EACH).version == PROCESSES * EACH
        events = tx.audit.list(action="version.register", limit=10_000)
        versions = tx.models.search_versions(None, (), 0, 10_000)
    assert sorted(e.target for e in events) == sorted(f"churn/{n}" for n in numbers)
    assert len(versions) == PROCESSES * EACH
    store.close()


def test_a_killed_writer_leaves_no_trace(store_url: str) -> None:
    store = open_store(store_url)
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1))
        register(tx, draft("churn", 2))
    receive, send = SPAWN.Pipe(duplex=False)
    child = SPAWN.Process(target=workers.register_and_hang, args=(store_url, "churn", send))
    child.start()
    try:
        assert receive.poll(60), "the child never reported"
        assert receive.recv() == 3
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    with store.read() as tx:
        with pytest.raises(NotFoundError, match=r"has no version 3 \(latest is 2\)"):
            tx.models.get_version("churn", 3)
        assert tx.models.get_model("churn").latest_version == 2
    with store.write() as tx:
        assert register(tx, draft("churn", 9)).version == 3
    store.close()
