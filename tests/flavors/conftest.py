"""Fixtures for the flavor tests: a small generated table and a save -> load round trip."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steward.ports import Flavor, Predictor


@dataclass(frozen=True)
class Table:
    """A binary-classification table with numeric and categorical columns, split in two."""

    train: pd.DataFrame
    test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    numeric: tuple[str, ...] = ("a", "b", "c")
    categorical: tuple[str, ...] = ("city", "plan")


@pytest.fixture(scope="session")
def table() -> Table:
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.uniform(0, 5, size=n),
            "city": rng.choice(["paris", "oslo", "rome"], size=n),
            "plan": rng.choice(["free", "pro"], size=n),
        }
    )
    score = frame["a"] - 0.5 * frame["b"] + (frame["city"] == "oslo") + rng.normal(scale=0.3, size=n)
    y = (score > 0.2).to_numpy(dtype=np.int64)
    return Table(
        frame.iloc[:200].reset_index(drop=True), frame.iloc[200:].reset_index(drop=True), y[:200], y[200:]
    )


Roundtrip = Callable[..., tuple[Predictor, dict[str, Any]]]


@pytest.fixture
def roundtrip(tmp_path: Path) -> Roundtrip:
    """Save *model* with *flavor* in a fresh folder; load it back with *loader* (default: *flavor*).

    The options go through JSON on the way, as the registry stores them.
    """

    def run(flavor: Flavor, model: object, loader: Flavor | None = None) -> tuple[Predictor, dict[str, Any]]:
        folder = tmp_path / f"model-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        options = json.loads(json.dumps(flavor.save(model, folder)))
        return (loader or flavor).load(folder, options), options

    return run
