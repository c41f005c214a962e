from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from steward.core.errors import InvalidInputError
from steward.services.datasets import fingerprint, load_table


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5], "c": ["x", "y", "z"]})


@pytest.mark.parametrize("name", ["t.parquet", "t.csv"])
def test_load_table_reads_by_extension(tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    loaded = load_table(path)
    assert list(loaded.columns) == ["a", "b", "c"]
    assert loaded["b"].tolist() == [0.5, 1.5, 2.5]
    assert list(load_table(str(path), columns=["c", "a"]).columns) == ["c", "a"]


def test_load_table_errors(tmp_path: Path, frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="No such data file"):
        load_table(tmp_path / "missing.parquet")
    (tmp_path / "t.json").write_text("{}")
    with pytest.raises(InvalidInputError, match="Parquet"):
        load_table(tmp_path / "t.json")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InvalidInputError, match=r"Cannot read 'bad\.parquet' as PARQUET"):
        load_table(tmp_path / "bad.parquet")
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(InvalidInputError, match=r"has no column\(s\) 'zz'; it has 'a', 'b', 'c'"):
        load_table(tmp_path / "t.csv", columns=["a", "zz"])


def test_fingerprint_follows_content(frame: pd.DataFrame) -> None:
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert len(fingerprint(frame)) == 64
    changed = frame.copy()
    changed.loc[1, "b"] = 9.0
    assert fingerprint(changed) != fingerprint(frame)
    assert fingerprint(frame.iloc[::-1]) != fingerprint(frame)
