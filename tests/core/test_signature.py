from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from steward.core.errors import InvalidInputError
from steward.core.lineage import Lineage, describe_dataset
from steward.core.signature import ColumnSpec, Signature, infer_signature


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": np.array([31, 45, 22], dtype="int64"),
            "income": [1.5, np.nan, 3.0],
            "plan": pd.Series(["a", "b", "a"], dtype="category"),
            "active": [True, False, True],
            "joined": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "note": ["x", None, "z"],
        }
    )


def test_pandas_signature() -> None:
    sig = infer_signature(frame())
    assert sig.kind == "columns"
    assert [(c.name, c.type, c.optional) for c in sig.inputs] == [
        ("age", "int64", False),
        ("income", "float64", True),
        ("plan", "string", False),
        ("active", "bool", False),
        ("joined", "datetime", False),
        ("note", "string", True),
    ]


def test_polars_and_arrow_agree_with_pandas_on_types() -> None:
    data = {"a": [1, 2], "b": [0.5, 1.5], "c": ["x", "y"], "d": [True, False]}
    expected = [("a", "int64"), ("b", "float64"), ("c", "string"), ("d", "bool")]
    for example in (pl.DataFrame(data), pa.table(data), pd.DataFrame(data)):
        sig = infer_signature(example)
        assert [(c.name, c.type) for c in sig.inputs] == expected, type(example)


def test_numpy_is_a_tensor_signature_with_outputs() -> None:
    sig = infer_signature(np.zeros((5, 20), dtype="float32"), np.zeros(5, dtype="int64"))
    assert sig.kind == "tensor"
    assert sig.inputs == (ColumnSpec("input", "float32", shape=(-1, 20)),)
    assert sig.outputs == (ColumnSpec("output", "int64", shape=(-1,)),)


def test_round_trip_and_validation() -> None:
    sig = infer_signature(frame(), np.array([0, 1, 0]))
    assert Signature.from_dict(sig.to_dict()) == sig
    with pytest.raises(InvalidInputError, match="Unknown signature type"):
        Signature.from_dict({"inputs": [{"name": "a", "type": "complex128"}]})
    with pytest.raises(InvalidInputError, match="unique"):
        Signature.from_dict({"inputs": [{"name": "a", "type": "bool"}, {"name": "a", "type": "bool"}]})
    with pytest.raises(InvalidInputError, match="Cannot infer"):
        infer_signature(object())


def test_dataset_fingerprint_is_content_based() -> None:
    a = describe_dataset(frame(), "train")
    b = describe_dataset(frame().copy(), "train")
    changed = frame()
    changed.loc[0, "age"] = 32
    c = describe_dataset(changed, "train")
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert a.rows == 3 and a.schema[0] == {"name": "age", "type": "int64"}
    assert describe_dataset(pl.from_pandas(frame().drop(columns=["plan"])), "t").rows == 3
    lineage = Lineage(datasets=(a,), code_commit="abc", parent="m/1")
    assert Lineage.from_dict(lineage.to_dict()) == lineage
    with pytest.raises(InvalidInputError, match="role"):
        describe_dataset(frame(), "train", role="bogus")
