"""``--engine ray``: the entry point runs as a Ray task on a local one-CPU Ray; log and candidate come back.

One local Ray for the module, started in this process with one CPU (as tests/services/test_monitor_ray.py).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from steward.core.errors import MissingDependencyError
from steward.core.retraining import RetrainConfig

from .conftest import Monitored

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


@pytest.fixture
def config(monitored: Monitored, tmp_path: Path) -> RetrainConfig:
    path = tmp_path / "train.parquet"
    monitored.reference.assign(y=monitored.labels).to_parquet(path)
    monitored.app.registry.set_alias("churn", "champion", 1, actor="alice")
    return RetrainConfig(
        model="churn", entry="tests.retrain_entry:fit", data=str(path), target="y", engine="ray"
    )


@pytest.mark.slow
@needs_ray
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_run_on_ray_registers_a_validated_candidate(
    monitored: Monitored, config: RetrainConfig, local_ray: None
) -> None:
    m = monitored
    m.app.retraining.configure(config, actor="alice")
    m.app.retraining.start("churn", actor="alice")
    done = m.app.retraining.run_next()
    assert done is not None and done.state == "succeeded", done
    assert done.engine == "ray" and done.candidate == "churn/2" and done.validation_passed
    log = m.app.retraining.logs(done.id)
    assert "steward:progress 0.9000 fitted" in log and "registered churn/2" in log

    # a failing entry point on Ray: the run fails, nothing is registered
    m.app.retraining.configure(
        RetrainConfig.from_dict({**config.to_dict(), "params": {"fail": True}}), actor="alice"
    )
    m.app.retraining.start("churn", actor="alice")
    failed = m.app.retraining.run_next()
    assert failed is not None and failed.state == "failed" and "exited with code" in failed.error
    assert "boom from the entry point" in m.app.retraining.logs(failed.id)
    assert m.app.registry.get_version("churn/latest").version == 2


def test_ray_engine_without_ray_says_how_to_install_it(
    monitored: Monitored, config: RetrainConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[ray\]'"):
        monitored.app.retraining.configure(config, actor="alice")
    assert monitored.app.retraining.configs() == []
