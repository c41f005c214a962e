from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from tests.servers import control_plane


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def server_url(server_dir: Path) -> Iterator[str]:
    with control_plane(server_dir) as url:
        yield url


@pytest.fixture(params=["embedded", "remote"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    if request.param == "embedded":
        uri = f"sqlite:///{tmp_path / 'steward.db'}"
    else:
        uri = request.getfixturevalue("server_url")
    with Client(uri, actor="alice") as c:
        yield c


@pytest.fixture
def name() -> str:
    """A fresh model name: remote tests share one server per module."""
    return f"m-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    y = (x["a"] + 0.5 * x["b"] > 0).astype(int).to_numpy()
    return x, y


@pytest.fixture(scope="session")
def model(data: tuple[pd.DataFrame, np.ndarray]) -> LogisticRegression:
    x, y = data
    return LogisticRegression().fit(x, y)
