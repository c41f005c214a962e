"""Requests are checked before any work; every kind of result draws as SVG and PNG; budgets are stated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from steward.core.errors import InvalidInputError
from steward.core.explain import ExplainRequest
from steward.core.explain.charts import to_chart
from steward.core.explain.compute import explain_frame


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ExplainRequest(kind="why"), "Unknown kind 'why'"),
        (ExplainRequest(kind="local"), "needs the row"),
        (ExplainRequest(kind="global", row=3), "covers all rows"),
        (ExplainRequest(kind="pdp", method="treeshap"), "Unknown method 'treeshap' for kind 'pdp'"),
        (ExplainRequest(n_repeats=0), "n_repeats is a whole number from 1 to 100"),
        (ExplainRequest(max_rows=True), "max_rows"),
        (ExplainRequest(kind="local", row=-1), "row is a row position"),
        (ExplainRequest(scoring="auc"), "Unknown scoring 'auc'"),
        (ExplainRequest(kind="pdp", features=()), "at least one column"),
    ],
)
def test_bad_requests(request_: ExplainRequest, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        request_.checked()


def test_request_round_trip_and_key() -> None:
    request = ExplainRequest(kind="pdp", features=("a", "b"), grid_size=7)
    assert ExplainRequest.from_dict(request.to_dict()) == request
    assert request.key() == ExplainRequest.from_dict(request.to_dict()).key()
    assert request.key() != ExplainRequest(kind="pdp", features=("a", "b"), grid_size=8).key()
    with pytest.raises(InvalidInputError, match="Unknown explanation parameter"):
        ExplainRequest.from_dict({"kind": "global", "rows": 5})


@pytest.fixture(scope="module")
def fitted(table: tuple[pd.DataFrame, np.ndarray]) -> tuple[RandomForestClassifier, pd.DataFrame]:
    x, y = table
    return RandomForestClassifier(n_estimators=8, random_state=0).fit(x, y), x.assign(label=y)


@pytest.mark.parametrize(
    "request_",
    [
        ExplainRequest("global", target="label", max_rows=100),
        ExplainRequest("global", method="treeshap", max_rows=50),
        ExplainRequest("local", row=4),
        ExplainRequest("local", row=4, method="sampling", background=20),
        ExplainRequest("pdp", features=("a", "b"), grid_size=5, ice_rows=10),
        ExplainRequest("sensitivity"),
        ExplainRequest("sensitivity", row=2),
    ],
    ids=lambda r: f"{r.kind}-{r.method}-{r.row}",
)
def test_every_kind_is_json_and_draws(
    fitted: tuple[RandomForestClassifier, pd.DataFrame], request_: ExplainRequest
) -> None:
    pytest.importorskip("shap")
    model, frame = fitted
    result = explain_frame(model, model, frame, ["a", "b", "c", "d"], request_)
    assert result["kind"] == request_.kind and result["method"] != "auto"
    budget = result["budget"]
    assert budget["rows_total"] == 240 and budget["seed"] == 0
    if request_.kind in ("global", "pdp", "sensitivity"):
        assert budget["rows"] == min(240, request_.max_rows)
    if request_.kind == "pdp":
        assert [len(c["individual"]) for c in result["curves"]] == [10, 10]
    svg = to_chart(result).decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert to_chart(result, fmt="png").startswith(b"\x89PNG")


def test_global_without_target_for_a_non_tree_model(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    x, y = table
    model = LogisticRegression().fit(x, y)
    with pytest.raises(InvalidInputError, match="pass target"):
        explain_frame(model, model, x, list(x.columns), ExplainRequest("global"))
    with pytest.raises(InvalidInputError, match="no target column 'label'"):
        explain_frame(model, model, x, list(x.columns), ExplainRequest("global", target="label"))
    with pytest.raises(InvalidInputError, match="lacks the model's input column"):
        explain_frame(model, model, x, ["zz"], ExplainRequest("global", target="a"))
    with pytest.raises(InvalidInputError, match="Row 999 is out of range"):
        explain_frame(model, model, x, list(x.columns), ExplainRequest("local", row=999))
    with pytest.raises(InvalidInputError, match="No chart"):
        to_chart({"kind": "nope"})
    with pytest.raises(InvalidInputError, match="svg or png"):
        to_chart({"kind": "global"}, fmt="gif")
