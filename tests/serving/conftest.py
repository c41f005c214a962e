"""Fixtures for the data plane: real registered models, and the app driven in-process.

- ``template``: built once per session: ``churn`` v1 and v2 (scikit-learn
  pipelines on a table with an int, an optional float and a text column),
  ``churn@champion`` -> 1, and ``digits`` v1 and v2 (classifiers on a float32
  tensor of shape [-1, 4]).
- ``registry``: a private copy of it (database and artifacts) for this test.
- ``StaticResolver``: a tiny stand-in for the deployment service: the test
  says which versions a deployment serves and changes it at will.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from steward import Client
from steward.app import Steward
from steward.core.deployment import Deployment, DeploymentSpec, ResolvedDeployment, ResolvedRoute, Route
from steward.core.registry import ModelVersion
from steward.services.packaging import load_version
from steward.serving.app import Limits, ServingApp
from steward.serving.payload_log import PayloadLog
from steward.serving.runtime import Loader, Runtime
from steward.settings import Settings

DEPLOYMENT = "churn-api"


def churn_frame(rows: int = 200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(0, 72, rows).astype("int64"),
            "charges": rng.normal(70, 20, rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows),
        }
    )
    frame.loc[::7, "charges"] = np.nan  # optional in the signature
    y = ((frame["tenure"] < 24) ^ (frame["plan"] == "pro")).astype(int).to_numpy()
    return frame, y


def churn_model(c: float) -> Any:
    numeric = make_pipeline(SimpleImputer(), StandardScaler())
    columns = ColumnTransformer(
        [("num", numeric, ["tenure", "charges"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])]
    )
    return make_pipeline(columns, LogisticRegression(C=c))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serving-registry")
    frame, y = churn_frame()
    tensors = np.random.default_rng(1).normal(size=(120, 4)).astype("float32")
    labels = (tensors[:, 0] + tensors[:, 1] > 0).astype(int)
    with Client(f"sqlite:///{folder / 's.db'}", actor="setup") as client:
        for c in (1.0, 0.1):
            client.register(
                churn_model(c).fit(frame, y), "churn", input_example=frame.head(20), capture_code=False
            )
        client.set_alias("churn", "champion", 1)
        for c in (1.0, 0.5):
            digits = LogisticRegression(C=c).fit(tensors, labels)
            client.register(digits, "digits", input_example=tensors[:5], capture_code=False)
    return folder


@dataclass
class Registry:
    folder: Path
    steward: Steward

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.folder / 's.db'}"

    def version(self, ref: str) -> ModelVersion:
        return self.steward.registry.get_version(ref)

    def loader(self) -> Loader:
        return lambda version: load_version(self.steward.artifacts, version)


@pytest.fixture
def registry(template: Path, tmp_path: Path) -> Any:
    folder = tmp_path / "registry"
    shutil.copytree(template, folder)
    settings = Settings.resolve(f"sqlite:///{folder / 's.db'}", env={"STEWARD_HOME": str(tmp_path)})
    with Steward.open(settings) as steward:
        yield Registry(folder, steward)


class StaticResolver:
    """Serves what the test says: ``set({"churn/1": 90, "churn/2": 10})`` makes a new revision."""

    def __init__(self, registry: Registry, routes: dict[str, float], **spec: Any) -> None:
        self.registry = registry
        self.revision = 0
        self.calls = 0
        self.resolved: ResolvedDeployment
        self.set(routes, **spec)

    def set(self, routes: dict[str, float], *, fallback: str | None = None, **spec: Any) -> None:
        self.revision += 1
        declared = DeploymentSpec(
            tuple(Route(r, float(w)) for r, w in routes.items()), fallback=fallback, **spec
        )
        deployment = Deployment(DEPLOYMENT, self.revision, declared, "test", datetime.now(UTC))
        self.resolved = ResolvedDeployment(
            deployment,
            tuple(ResolvedRoute(ref, w, self.registry.version(ref)) for ref, w in routes.items()),
            shadows=tuple(self.registry.version(ref) for ref in declared.shadows),
            fallback=self.registry.version(fallback) if fallback else None,
        )

    def resolve(self, name: str) -> ResolvedDeployment:
        self.calls += 1
        return self.resolved


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def build_app(
    resolver: StaticResolver,
    loader: Loader,
    *,
    payload_log: PayloadLog | None = None,
    limits: Limits | None = None,
    seed: int = 7,
) -> ServingApp:
    import random

    runtime = Runtime(DEPLOYMENT, resolver, loader)
    return ServingApp(runtime, payload_log=payload_log, limits=limits, rng=random.Random(seed))


@pytest.fixture
async def served(registry: Registry) -> AsyncIterator[tuple[ServingApp, StaticResolver, httpx.AsyncClient]]:
    """A ready app serving churn@champion (v1), its resolver, and a client to it (no lifespan)."""
    resolver = StaticResolver(registry, {"churn@champion": 100})
    app = build_app(resolver, registry.loader())
    assert app.runtime.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield app, resolver, client
