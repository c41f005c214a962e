"""Explanations through the SDK: the same results and errors embedded and against a control plane."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steward import Client, InvalidInputError, NotFoundError


@pytest.fixture
def labelled(data: tuple[pd.DataFrame, np.ndarray]) -> pd.DataFrame:
    x, y = data
    return x.assign(label=y)


@pytest.fixture
def ref(client: Client, name: str, model: object, data: tuple[pd.DataFrame, np.ndarray]) -> str:
    x, _ = data
    return client.register(model, name, input_example=x.head(), capture_code=False).ref


def test_global_is_stored_and_reused(client: Client, ref: str, labelled: pd.DataFrame) -> None:
    first = client.explain(ref, labelled, target="label", n_repeats=2)
    assert (first.ref, first.kind, first.reused, first.created_by) == (ref, "global", False, "alice")
    assert first.result["features"] == ["a", "b", "c", "d"] and first.result["scoring"] == "roc_auc"
    importance = dict(zip(first.result["features"], first.result["importance"], strict=True))
    assert importance["a"] > importance["c"] and importance["a"] > importance["d"]
    again = client.explain(ref, labelled, target="label", n_repeats=2)
    assert again.reused and again.id == first.id and again.result == first.result
    assert [e.id for e in client.explanations(ref)] == [first.id]
    assert client.get_explanation(ref, first.id).result == first.result


def test_local_pdp_sensitivity_and_charts(
    client: Client, ref: str, labelled: pd.DataFrame, tmp_path: Path
) -> None:
    local = client.explain(ref, labelled, kind="local", row=5)
    r = local.result
    assert r["method"] == "linear" and r["output_space"] == "log-odds"
    assert r["base"] + sum(r["values"]) == pytest.approx(r["output"], abs=1e-9)
    pdp = client.explain(ref, labelled, kind="pdp", features=["a"], grid_size=5, ice_rows=3)
    assert [c["feature"] for c in pdp.result["curves"]] == ["a"] and len(
        pdp.result["curves"][0]["individual"]
    ) == 3
    moved = client.explain(ref, labelled, kind="sensitivity", row=5)
    assert moved.result["row"] == 5 and moved.result["features"] == ["a", "b", "c", "d"]
    assert [e.kind for e in client.explanations(ref)] == ["sensitivity", "pdp", "local"]
    assert [e.id for e in client.explanations(ref, kind="local")] == [local.id]
    svg = client.explanation_chart(local, tmp_path / "why.svg")
    assert svg.startswith(b"<svg") and (tmp_path / "why.svg").read_bytes() == svg
    assert client.explanation_chart(pdp, tmp_path / "pd.png").startswith(b"\x89PNG")


def test_errors_are_the_same_both_ways(client: Client, ref: str, labelled: pd.DataFrame) -> None:
    with pytest.raises(NotFoundError, match="no version 9"):
        client.explain(ref.rsplit("/", 1)[0] + "/9", labelled)
    with pytest.raises(InvalidInputError, match="needs the row"):
        client.explain(ref, labelled, kind="local")
    with pytest.raises(InvalidInputError, match="Row 999 is out of range"):
        client.explain(ref, labelled, kind="local", row=999)
    with pytest.raises(InvalidInputError, match="no target column 'nope'"):
        client.explain(ref, labelled, target="nope")
    with pytest.raises(InvalidInputError, match="pass target"):
        client.explain(ref, labelled)
    with pytest.raises(InvalidInputError, match="lacks the model's input column"):
        client.explain(ref, labelled.drop(columns=["b"]), target="label")
    with pytest.raises(NotFoundError, match="no explanation 12345"):
        client.get_explanation(ref, 12345)
    with pytest.raises(InvalidInputError, match="Unknown kind"):
        client.explanations(ref, kind="why")
    with pytest.raises(InvalidInputError, match="need a table"):
        client.explain(ref, [1, 2, 3])
    assert client.explanations(ref) == []
