from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.settings import Settings


@dataclass
class Monitored:
    app: Steward
    payloads: Path
    model: LogisticRegression
    reference: pd.DataFrame
    labels: np.ndarray


@pytest.fixture(scope="session")
def fitted() -> tuple[LogisticRegression, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    y = (x["a"] + 0.3 * rng.normal(size=600) > 0).astype(int).to_numpy()
    return LogisticRegression().fit(x, y), x, y


@pytest.fixture
def monitored(
    store_url: str, tmp_path: Path, fitted: tuple[LogisticRegression, pd.DataFrame, np.ndarray]
) -> Iterator[Monitored]:
    """``churn/1`` registered (and its reference set), deployment ``churn-api`` serving it."""
    model, x, y = fitted
    settings = Settings.resolve(
        store_url,
        artifacts=str(tmp_path / "artifacts"),
        actor="alice",
        env={"STEWARD_HOME": str(tmp_path / "home")},
    )
    with Client(settings=settings) as client:
        client.register(model, "churn", input_example=x.head(5), capture_code=False)
        client.create_deployment("churn-api", "churn/1")
    app = Steward.open(settings)
    try:
        yield Monitored(app, settings.home / "payloads", model, x, y)
    finally:
        app.close()
