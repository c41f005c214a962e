"""``client.score``: the same file out whether the registry is embedded or a control plane over HTTP."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import InvalidInputError, NotFoundError


def test_score_pins_the_version_and_writes_the_same_file_either_way(
    client: Client,
    name: str,
    model: LogisticRegression,
    data: tuple[pd.DataFrame, np.ndarray],
    tmp_path: Path,
) -> None:
    x, _ = data
    client.register(model, name, input_example=x.head(5), aliases=["champion"], capture_code=False)
    x.to_parquet(tmp_path / "in.parquet")

    result = client.score(
        f"{name}@champion", tmp_path / "in.parquet", tmp_path / "out.parquet", batch_size=64
    )

    assert (result.version, result.rows, result.engine) == (f"{name}/1", len(x), "local")
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["prediction"].tolist() == model.predict(x).tolist()
    assert set(out["model_version"]) == {f"{name}/1"}
    pd.testing.assert_frame_equal(out[list(x.columns)], x)


def test_score_errors_are_the_same_either_way(
    client: Client,
    name: str,
    model: LogisticRegression,
    data: tuple[pd.DataFrame, np.ndarray],
    tmp_path: Path,
) -> None:
    x, _ = data
    client.register(model, name, input_example=x.head(5), capture_code=False)
    x.drop(columns=["d"]).to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(InvalidInputError, match=r"no column\(s\) 'd'"):
        client.score(name, tmp_path / "in.csv", tmp_path / "out.csv")
    with pytest.raises(NotFoundError):
        client.score(f"{name}/7", tmp_path / "in.csv", tmp_path / "out.csv")
    assert not [p.name for p in tmp_path.iterdir() if "out" in p.name]
