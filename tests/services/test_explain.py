"""The explanation service on a real SQLite store and artifact folder: stored, reused, audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from steward.app import Steward
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.explain import ExplainRequest
from steward.core.registry import VersionDraft
from steward.services import explain as explain_module
from steward.services.explain import explain_row
from steward.services.packaging import load_version, package_model
from steward.settings import Settings


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.normal(size=(150, 3)), columns=["a", "b", "c"])
    return x.assign(label=(x["a"] - x["b"] > 0).astype(int))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Steward]:
    settings = Settings.resolve(
        f"sqlite:///{tmp_path / 's.db'}", artifacts=str(tmp_path / "a"), actor="alice"
    )
    with Steward.open(settings) as opened:
        yield opened


def register(app: Steward, model: object, frame: pd.DataFrame | None, name: str = "churn") -> str:
    packaged = package_model(app.artifacts, model, input_example=frame)
    draft = VersionDraft(
        name,
        packaged.artifact_digest,
        packaged.flavor,
        signature=packaged.signature,
        flavor_options=packaged.flavor_options,
    )
    return app.registry.register_version(draft, actor="alice").ref


@pytest.fixture
def forest(app: Steward, frame: pd.DataFrame) -> str:
    x = frame[["a", "b", "c"]]
    return register(
        app, RandomForestClassifier(n_estimators=10, random_state=0).fit(x, frame["label"]), x.head()
    )


def counts(app: Steward, ref: str) -> tuple[int, int]:
    events = app.registry.audit_events(action="explanation.create").items
    return len(app.explain.list(ref)), len(events)


def test_explain_stores_audits_and_reuses(
    app: Steward, forest: str, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    progress: list[tuple[int, int]] = []
    request = ExplainRequest("global", target="label", n_repeats=3)
    first = app.explain.explain(
        forest, frame, request, actor="bob", progress=lambda d, t: progress.append((d, t))
    )
    assert (first.ref, first.kind, first.reused, first.created_by) == ("churn/1", "global", False, "bob")
    assert first.result["method"] == "permutation" and first.result["scoring"] == "roc_auc"
    assert first.result["features"] == ["a", "b", "c"] and progress[-1] == (3, 3)
    [event] = app.registry.audit_events(action="explanation.create").items
    assert (event.target, event.actor, event.after["id"]) == ("churn/1", "bob", first.id)

    def no_loading(*args: Any) -> None:
        raise AssertionError("a stored explanation must not load the model")

    monkeypatch.setattr(explain_module, "load_version", no_loading)
    again = app.explain.explain("churn", frame.copy(), request, actor="carol")
    assert again.reused and again.id == first.id and again.result == first.result
    assert counts(app, forest) == (1, 1)
    assert app.explain.get(forest, first.id) == first


def test_other_data_or_options_are_new_explanations(app: Steward, forest: str, frame: pd.DataFrame) -> None:
    request = ExplainRequest("global", target="label", n_repeats=2)
    first = app.explain.explain(forest, frame, request, actor="a")
    other_data = app.explain.explain(forest, frame.iloc[:100], request, actor="a")
    other_seed = app.explain.explain(
        forest, frame, ExplainRequest("global", target="label", n_repeats=2, seed=1), actor="a"
    )
    assert len({first.id, other_data.id, other_seed.id}) == 3
    assert other_data.data_fingerprint != first.data_fingerprint
    assert other_data.result["budget"]["rows_total"] == 100
    assert [e.id for e in app.explain.list(forest, "global")] == [other_seed.id, other_data.id, first.id]
    assert app.explain.list(forest, "local") == []


def test_a_concurrent_twin_is_returned_not_duplicated(
    app: Steward, forest: str, frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request stores the same explanation while this one computes: one row, both get it."""
    request = ExplainRequest("sensitivity")
    real = explain_module.explain_frame
    calls: list[int] = []

    def racing(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            app.explain.explain(forest, frame, request, actor="twin")
        return real(*args, **kwargs)

    monkeypatch.setattr(explain_module, "explain_frame", racing)
    found = app.explain.explain(forest, frame, request, actor="me")
    assert found.reused and found.created_by == "twin"
    assert counts(app, forest) == (1, 1)


def test_local_adds_up_and_states_its_budget(app: Steward, frame: pd.DataFrame) -> None:
    x = frame[["a", "b", "c"]]
    ref = register(app, LogisticRegression().fit(x, frame["label"]), x.head())
    exact = app.explain.explain(ref, frame, ExplainRequest("local", row=9), actor="a")
    sampled = app.explain.explain(
        ref, frame, ExplainRequest("local", row=9, method="sampling", background=30), actor="a"
    )
    assert exact.result["method"] == "linear" and sampled.result["method"] == "sampling"
    for found in (exact, sampled):
        r = found.result
        assert r["base"] + sum(r["values"]) == pytest.approx(r["output"], abs=1e-9)
        assert r["feature_values"] == pytest.approx(x.iloc[9].tolist())
    assert sampled.result["budget"] == {"background": 30, "rows_total": 150, "seed": 0}
    assert sampled.result["output"] == pytest.approx(
        LogisticRegression().fit(x, frame["label"]).predict_proba(x.iloc[[9]])[0, 1]
    )


def test_without_a_signature_every_column_but_the_target_is_an_input(
    app: Steward, frame: pd.DataFrame
) -> None:
    x = frame[["a", "b", "c"]]
    ref = register(app, LogisticRegression().fit(x, frame["label"]), None)
    found = app.explain.explain(ref, frame, ExplainRequest("global", target="label"), actor="a")
    assert found.result["features"] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("ref", "data", "request_", "error", "message"),
    [
        ("nope", None, ExplainRequest(), NotFoundError, "No model named 'nope'"),
        ("churn/9", None, ExplainRequest(), NotFoundError, "no version 9"),
        ("churn", [[1, 2]], ExplainRequest(), InvalidInputError, "need a table"),
        (
            "churn",
            "drop:a",
            ExplainRequest("global", target="label"),
            InvalidInputError,
            "lacks the model's input",
        ),
        (
            "churn",
            None,
            ExplainRequest("global", target="nope"),
            InvalidInputError,
            "no target column 'nope'",
        ),
        ("churn", None, ExplainRequest("local", row=150), InvalidInputError, "Row 150 is out of range"),
        ("churn", None, ExplainRequest("local"), InvalidInputError, "needs the row"),
        ("churn", None, "global", InvalidInputError, "must be an ExplainRequest"),
    ],
)
def test_bad_input_stores_nothing(
    app: Steward,
    forest: str,
    frame: pd.DataFrame,
    ref: str,
    data: Any,
    request_: Any,
    error: type,
    message: str,
) -> None:
    if data is None:
        data = frame
    elif data == "drop:a":
        data = frame.drop(columns=["a"])
    with pytest.raises(error, match=message):
        app.explain.explain(ref, data, request_, actor="a")
    assert counts(app, forest) == (0, 0)


def test_reads_check_their_input(app: Steward, forest: str) -> None:
    with pytest.raises(InvalidInputError, match="whole number from 1"):
        app.explain.get(forest, 0)
    with pytest.raises(NotFoundError, match="no explanation 4"):
        app.explain.get(forest, 4)
    with pytest.raises(InvalidInputError, match="Unknown kind"):
        app.explain.list(forest, "why")


def test_explain_row_for_the_inference_server(app: Steward, forest: str, frame: pd.DataFrame) -> None:
    pytest.importorskip("shap")
    loaded = load_version(app.artifacts, app.registry.get_version(forest))
    try:
        row = frame.iloc[[3]][["c", "b", "a"]]  # any column order; the signature's is used
        found = explain_row(loaded, row, frame.head(50))
        assert found.method == "treeshap" and found.features == ("a", "b", "c")
        assert found.base + found.values.sum() == pytest.approx(
            loaded.predict_proba(frame.iloc[[3]][["a", "b", "c"]])[0, 1]
        )
        with pytest.raises(InvalidInputError, match="one row, not 2"):
            explain_row(loaded, frame.iloc[:2], frame)
        with pytest.raises(InvalidInputError, match="lacks input column"):
            explain_row(loaded, frame.iloc[[0]].drop(columns=["a"]), frame)
    finally:
        loaded.close()


@pytest.mark.parametrize("framework", ["xgboost", "lightgbm"])
def test_boosters_through_their_flavors(app: Steward, frame: pd.DataFrame, framework: str) -> None:
    """The flavor's native object (XGBoost wrapper, LightGBM Booster) goes to TreeSHAP; log-odds add up."""
    pytest.importorskip("shap")
    library = pytest.importorskip(framework)
    x = frame[["a", "b", "c"]]
    if framework == "xgboost":
        model = library.XGBClassifier(n_estimators=8, max_depth=3).fit(x, frame["label"])
        margin = model.predict(x.iloc[[6]], output_margin=True)[0]
    else:
        model = library.LGBMClassifier(n_estimators=8, verbose=-1).fit(x, frame["label"])
        margin = model.predict(x.iloc[[6]], raw_score=True)[0]
    ref = register(app, model, x.head(), name=framework)
    found = app.explain.explain(ref, frame, ExplainRequest("local", row=6), actor="a").result
    assert (found["method"], found["output_space"]) == ("treeshap", "log-odds")
    assert found["base"] + sum(found["values"]) == pytest.approx(float(margin), abs=1e-5)
    sampled = app.explain.explain(ref, frame, ExplainRequest("local", row=6, method="sampling"), actor="a")
    assert sampled.result["output"] == pytest.approx(float(model.predict_proba(x.iloc[[6]])[0, 1]), abs=1e-6)
