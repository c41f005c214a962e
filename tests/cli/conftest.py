from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner, Result

from steward import Client
from steward.cli.main import app


@dataclass(frozen=True)
class Registry:
    """A temporary embedded registry and a way to run the CLI against it."""

    uri: str
    folder: Path
    runner: CliRunner

    def run(self, *args: str) -> Result:
        return self.runner.invoke(app, ["--uri", self.uri, *args])

    def client(self) -> Client:
        return Client(self.uri, actor="setup")

    def counts(self) -> tuple[int, int, int, int]:
        """(models, versions, audit events, artifact files): what a failed command must leave unchanged."""
        with self.client() as client:
            models = client.search_models(max_results=1000).items
            versions = client.search(max_results=1000).items
            events = client.audit(max_results=1000).items
        blobs = sum(1 for p in (self.folder / "artifacts").rglob("*") if p.is_file())
        return len(models), len(versions), len(events), blobs


@pytest.fixture(autouse=True)
def steward_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the user's ~/.steward or inherit their settings; wide, plain output."""
    for name in ("STEWARD_URI", "STEWARD_ARTIFACTS", "STEWARD_CONFIG", "STEWARD_TOKEN", "TERMINAL_WIDTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_USER", "tester")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(uri=f"sqlite:///{tmp_path / 's.db'}", folder=tmp_path, runner=CliRunner())


@pytest.fixture(scope="session")
def training() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    y = (x["a"] - x["b"] > 0).astype(int).to_numpy()
    return x, y


@pytest.fixture(scope="session")
def fitted(training: tuple[pd.DataFrame, np.ndarray]) -> LogisticRegression:
    x, y = training
    return LogisticRegression().fit(x, y)


@pytest.fixture(scope="session")
def files(
    tmp_path_factory: pytest.TempPathFactory,
    fitted: LogisticRegression,
    training: tuple[pd.DataFrame, np.ndarray],
) -> dict[str, Path]:
    """A model in several file formats, and data files."""
    import joblib
    import skops.io as sio

    folder = tmp_path_factory.mktemp("files")
    x, y = training
    paths = {
        "skops": folder / "model.skops",
        "pkl": folder / "model.pkl",
        "example": folder / "example.csv",
        "train": folder / "train.parquet",
        "eval": folder / "eval.csv",
    }
    sio.dump(fitted, paths["skops"])
    joblib.dump(fitted, paths["pkl"])
    x.head(10).to_csv(paths["example"], index=False)
    x.assign(label=y).to_parquet(paths["train"])
    x.tail(30).to_csv(paths["eval"], index=False)
    return paths


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory: pytest.TempPathFactory, fitted: LogisticRegression) -> Path:
    """Built once: ``churn`` v1 and v2, champion moved 1 -> 2, and an empty ``fraud`` model."""
    folder = tmp_path_factory.mktemp("seed")
    with Client(f"sqlite:///{folder / 's.db'}", actor="setup") as client:
        client.create_model("churn", description="Who leaves", tags={"team": "risk"})
        client.register(fitted, "churn", metrics={"auc": 0.81}, params={"C": 1.0}, capture_code=False)
        client.register(
            fitted, "churn", metrics={"auc": 0.86}, tags={"stage": "candidate"}, capture_code=False
        )
        client.set_alias("churn", "champion", 1, reason="first")
        client.set_alias("churn", "champion", 2, reason="better auc")
        client.create_model("fraud", tags={"team": "payments"})
    return folder


@pytest.fixture
def seeded(registry: Registry, seed_template: Path) -> Registry:
    """A private copy of the seeded registry (database and artifacts)."""
    for item in seed_template.iterdir():
        if item.is_dir():
            shutil.copytree(item, registry.folder / item.name)
        else:
            shutil.copy2(item, registry.folder / item.name)
    return registry


def assert_clean_failure(result: Result, code: int) -> None:
    """Exit *code*, exactly one line on stderr starting with 'Error:', no traceback, nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout.strip() == ""
