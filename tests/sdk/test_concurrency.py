"""Registrations from many processes at once, and one killed half-way, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sklearn.dummy import DummyClassifier

from steward import Client
from tests.sdk import workers

SPAWN = multiprocessing.get_context("spawn")
#: The eight registering processes fork from a server that imported the SDK and skops once: spawned,
#: each spent seconds importing (skops.io imports every scikit-learn module, and torch through one)
#: before its first registration. They are still eight processes with their own connections.
PRELOADED = multiprocessing.get_context("forkserver")
PRELOADED.set_forkserver_preload(["tests.sdk.workers", "steward", "sklearn.linear_model", "skops.io"])
PROCESSES, EACH = 8, 50


@pytest.mark.slow
def test_eight_processes_register_400_distinct_gap_free_versions(store_url: str, tmp_path: Path) -> None:
    artifacts = str(tmp_path / "artifacts")
    manager = SPAWN.Manager()
    barrier = manager.Barrier(PROCESSES)
    try:
        with ProcessPoolExecutor(PROCESSES, mp_context=PRELOADED) as pool:
            jobs = [
                pool.submit(workers.register_many, store_url, artifacts, "churn", EACH, barrier, seed)
                for seed in range(PROCESSES)
            ]
            numbers = sorted(n for job in jobs for n in job.result(timeout=300))
    finally:
        manager.shutdown()
    assert numbers == list(range(1, PROCESSES * EACH + 1))
    with Client(store_url, artifacts=artifacts) as client:
        registered = client.audit(action="version.register", max_results=1000).items
        assert len(registered) == PROCESSES * EACH
        assert sorted(int(e.target.split("/")[1]) for e in registered) == numbers
        assert len(client.audit(action="model.create").items) == 1  # created once, by one of them
        assert client.get_model("churn").latest_version == PROCESSES * EACH
        assert client.load("churn/400").predict([[1.0, 0.0, 0.0]]).shape == (1,)


@pytest.mark.slow
def test_a_registration_killed_half_way_leaves_nothing_visible(store_url: str, tmp_path: Path) -> None:
    artifacts = str(tmp_path / "artifacts")
    with Client(store_url, artifacts=artifacts) as client:
        client.register(DummyClassifier().fit([[0], [1]], [0, 1]), "churn")
        before = client.audit(max_results=1000).items
    ready = tmp_path / "ready"
    child = SPAWN.Process(target=workers.register_then_die, args=(store_url, artifacts, "churn", ready))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -9 and ready.exists()  # it died by SIGKILL inside the transaction
    with Client(store_url, artifacts=artifacts) as client:
        assert client.get_model("churn").latest_version == 1
        assert client.search("name = 'churn'").items[0].version == 1
        assert client.audit(max_results=1000).items == before  # no record of a change that did not happen
        nxt = client.register(
            DummyClassifier(strategy="constant", constant=1).fit([[0], [1]], [0, 1]), "churn"
        )
        assert nxt.version == 2
        assert client.load("churn/2").predict([[0]]).tolist() == [1]
