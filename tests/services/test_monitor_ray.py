"""``monitor run --engine ray``: payload-log files profiled as Ray tasks give the local run's figures.

One local Ray for the module, started in this process with one CPU (as tests/serving/test_ray.py)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from steward import Client
from steward.core.errors import MissingDependencyError
from tests.payloads import write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 20, tzinfo=UTC)

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'steward-mlops[ray]')"
)


@pytest.fixture
def store_url(sqlite_url: str) -> str:
    """SQLite only: what is compared here is the engines, not the stores."""
    return sqlite_url


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    import ray

    ray.init(num_cpus=1, include_dashboard=False, configure_logging=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def log_files(m: Monitored) -> None:
    """Five files over two hours (some drifted), a version without a reference, and a damaged file."""
    rng = np.random.default_rng(21)
    for i, (at, shift) in enumerate([(T1, 0.0), (T1, 0.4), (T1, 1.5), (T2, 0.0), (T2, 3.0)]):
        data = pd.DataFrame(rng.normal(size=(150 + 40 * i, 3)), columns=["a", "b", "c"])
        data = data.assign(a=data["a"] + shift, b=data["b"] * (1 + shift))
        write_payloads(
            m.payloads, "churn-api", "churn/1", data, m.model, at, rows_per_request=1 + i, prefix=f"f{i}-",
            errors=i,
        )  # fmt: skip
    write_payloads(m.payloads, "churn-api", "churn/9", m.reference.head(30), m.model, T2, prefix="x")
    damaged = m.payloads / "deployment=churn-api" / "date=2026-03-01" / "hour=11" / "part-damaged.parquet"
    damaged.write_bytes(b"PAR1 not really parquet")


@pytest.mark.slow
@needs_ray
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("window", ["hour", "rows:120"])
def test_ray_figures_equal_the_local_ones(monitored: Monitored, local_ray: None, window: str) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, labels=m.labels, actor="alice")
    log_files(m)
    with Client(settings=m.app.settings) as client:
        client.create_deployment("churn-ray", "churn/1")
    shutil.copytree(m.payloads / "deployment=churn-api", m.payloads / "deployment=churn-ray")
    for deployment in ("churn-api", "churn-ray"):
        m.app.monitoring.configure(
            deployment, window=window, drift={"multivariate_sample": 50}, actor="alice"
        )

    local = m.app.monitoring.run("churn-api", actor="alice")
    ray = m.app.monitoring.run("churn-ray", actor="alice", engine="ray")

    assert (ray.files, ray.rows, ray.windows, ray.figures) == (
        local.files,
        local.rows,
        local.windows,
        local.figures,
    )
    assert ray.files == 6 and ray.skipped_versions == local.skipped_versions == {"churn/9": 30}
    assert [n for n in ray.notes if "part-damaged" in n] and len(ray.notes) == len(local.notes)
    expected = m.app.monitoring.figures("churn-api")
    found = m.app.monitoring.figures("churn-ray")
    assert len(found) == len(expected) > 50
    assert {f.name for f in found} >= {"drift.a", "drift.multivariate", "estimated.accuracy", "latency.p99"}
    for a, b in zip(expected, found, strict=True):
        assert (a.start, a.end, a.version, a.name) == (b.start, b.end, b.version, b.name)
        if a.value is None:
            assert b.value is None, a.name
        else:
            assert b.value == pytest.approx(a.value, rel=1e-9, abs=1e-9), a.name
    with m.app.store.read() as tx:  # rows:N: the same tails wait in the same open windows
        tails = [
            sorted((w["version"], w["start"], w["rows"]) for w in tx.monitoring.last_windows(d))
            for d in ("churn-api", "churn-ray")
        ]
    assert tails[0] == tails[1]
    assert m.app.monitoring.run("churn-ray", actor="alice", engine="ray").files == 0  # incremental too


def test_ray_engine_without_ray_says_how_to_install_it_and_reads_nothing(
    monitored: Monitored, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = monitored
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(20), m.model, T1)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[ray\]'"):
        m.app.monitoring.run("churn-api", actor="alice", engine="ray")
    with m.app.store.read() as tx:
        assert tx.monitoring.processed_files("churn-api") == set()
