"""The validation service on a real SQLite store with real scikit-learn models.

Fairness: a model built to be unfair on one group fails the fairness gate,
naming the group and the metric; a fair one passes. Regression: a candidate
worse than the champion beyond tolerance fails; an equal one passes. Bad input
stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from steward import Client
from steward.app import Steward
from steward.core.errors import InvalidInputError, NotFoundError, PolicyViolationError
from steward.core.validation.suites import load_suite, parse_suite
from steward.services.validation import ValidationService
from steward.settings import Settings


def holdout(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    group = rng.choice(["f", "m"], size=n)
    logit = 1.5 * x[:, 0] - x[:, 1] + 0.5 * x[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "group": group, "y": y})


class Unfair:
    """Predicts well for group 'm' and says no to almost everyone in group 'f' (encoded in feature 'g')."""

    def __init__(self, base: LogisticRegression) -> None:
        self.base = base
        self.classes_ = base.classes_

    def predict_proba(self, x: pd.DataFrame) -> Any:
        p = self.base.predict_proba(x[["a", "b", "c"]])
        p[:, 1] = np.where(x["g"].to_numpy() == 1, p[:, 1] * 0.1, p[:, 1])
        p[:, 0] = 1 - p[:, 1]
        return p

    def predict(self, x: pd.DataFrame) -> Any:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Client, Steward]]:
    uri = f"sqlite:///{tmp_path / 'steward.db'}"
    with Client(uri, actor="alice") as client, Steward.open(Settings.resolve(uri)) as app:
        yield client, app


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return holdout()


@pytest.fixture(scope="module")
def fair(data: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression().fit(data[["a", "b", "c"]], data["y"])


def runs(app: Steward, ref: str) -> int:
    return len(app.validation.list_runs(ref))


def test_default_suite_runs_stores_and_audits(
    env: tuple[Client, Steward], data: pd.DataFrame, fair: Any
) -> None:
    client, app = env
    client.register(fair, "churn", input_example=data[["a", "b", "c"]].head())
    run = app.validation.validate("churn/1", data, "y", actor="alice")
    assert run.task == "binary" and run.passed, run.failed
    names = [c.name for c in run.checks]
    assert names == [
        "metric:roc_auc",
        "metric:balanced_accuracy",
        "calibration",
        "noise_stability",
        "data_contract",
        "latency",
    ]
    assert run.metrics["roc_auc"] > 0.7 and 0 <= run.metrics["brier"] <= 1
    assert run.against is None  # no champion yet
    assert len(run.data_fingerprint) == 64 and run.rows == len(data)
    stored = app.validation.get_run(run.id)
    assert stored == run
    assert app.validation.latest_passed("churn/1", ["metric:roc_auc", "calibration"]) == run
    assert app.validation.latest_passed("churn/1", ["fairness:demographic_parity_ratio"]) is None
    events = [e for e in app.registry.audit_events(target="churn/1").items if e.action == "version.validate"]
    assert len(events) == 1 and events[0].after is not None and events[0].after["run"] == run.id


def test_unfair_model_fails_the_fairness_gate_naming_group_and_metric(
    env: tuple[Client, Steward], data: pd.DataFrame, fair: Any
) -> None:
    client, app = env
    frame = data.assign(g=(data["group"] == "f").astype(int))
    client.register(Unfair(fair), "credit", input_example=frame[["a", "b", "c", "g"]].head())
    client.register(fair, "credit", input_example=frame[["a", "b", "c"]].head())
    unfair_run = app.validation.validate("credit/1", frame, "y", sensitive=["group"], actor="alice")
    fair_run = app.validation.validate("credit/2", frame, "y", sensitive=["group"], actor="alice")
    by_name = {c.name: c for c in unfair_run.checks}
    dp = by_name["fairness:demographic_parity_ratio[group]"]
    assert dp.status == "fail" and not unfair_run.passed
    assert "demographic_parity_ratio" in dp.message and "group 'f'" in dp.message
    assert dp.value is not None and dp.value < 0.8
    assert by_name["fairness:equalized_odds_difference[group]"].status == "fail"
    fair_by_name = {c.name: c for c in fair_run.checks}
    assert fair_by_name["fairness:demographic_parity_ratio[group]"].status == "pass"
    assert fair_by_name["fairness:equalized_odds_difference[group]"].status == "pass"
    assert app.validation.latest_passed("credit/2", ["fairness:demographic_parity_ratio"]) == fair_run
    assert app.validation.latest_passed("credit/1", ["fairness:demographic_parity_ratio"]) is None


def test_worse_candidate_fails_regression_gate_equal_one_passes(
    env: tuple[Client, Steward], data: pd.DataFrame, fair: Any
) -> None:
    client, app = env
    x = data[["a", "b", "c"]]
    client.register(fair, "churn", input_example=x.head())
    client.set_alias("churn", "champion", 1)
    client.register(DecisionTreeClassifier(max_depth=1).fit(x, data["y"]), "churn", input_example=x.head())
    client.register(LogisticRegression().fit(x, data["y"]), "churn", input_example=x.head())
    suite = parse_suite(
        [{"check": "no_regression", "metric": "accuracy", "tolerance": 0.01, "resamples": 300}]
    )
    worse = app.validation.validate("churn/2", data, "y", suite=suite, actor="alice")
    equal = app.validation.validate("churn/3", data, "y", suite=suite, actor="alice")
    assert worse.against == equal.against == "churn/1"
    assert worse.checks[0].status == "fail" and not worse.passed
    assert worse.checks[0].details["high"] < -0.01
    assert equal.checks[0].status == "pass" and equal.passed
    assert equal.checks[0].value == pytest.approx(0.0)
    explicit = app.validation.validate("churn/3", data, "y", suite=suite, against="churn/2", actor="alice")
    assert explicit.against == "churn/2" and explicit.checks[0].status == "pass"
    alone = app.validation.validate("churn/1", data, "y", suite=suite, actor="alice")
    assert alone.against is None and alone.checks[0].status == "not_estimable" and alone.passed


def test_group_without_positives_is_reported_not_estimable(env: tuple[Client, Steward], fair: Any) -> None:
    client, app = env
    frame = holdout(2000, seed=3)
    frame.loc[frame["group"] == "m", "y"] = 0
    client.register(fair, "churn", input_example=frame[["a", "b", "c"]].head())
    suite = parse_suite([{"check": "fairness", "metric": "equalized_odds_difference", "max": 0.2}])
    run = app.validation.validate("churn/1", frame, "y", suite=suite, sensitive=["group"], actor="alice")
    check = run.checks[0]
    assert check.status == "not_estimable"
    assert "no actual positives in group 'm'" in check.message
    assert run.not_estimable == [check.name]
    assert app.validation.latest_passed("churn/1", ["fairness:equalized_odds_difference"]) is None


def test_every_check_kind_runs(env: tuple[Client, Steward], data: pd.DataFrame, fair: Any) -> None:
    client, app = env
    client.register(fair, "churn", input_example=data[["a", "b", "c"]].head())
    suite = load_suite(
        """
        checks:
          - {check: metric, metric: f1, min: 0.5, by: group}
          - {check: metric, metric: log_loss, max: 0.1}
          - {check: missing_stability, rate: 0.1}
          - {check: invariance, features: [c], max: 0.01}
          - {check: latency, max: 5000, samples: 20}
        """
    )
    run = app.validation.validate("churn/1", data, "y", suite=suite, actor="alice")
    by = {c.name: c for c in run.checks}
    assert by["metric:f1@group"].status == "pass" and set(by["metric:f1@group"].details["slices"]) == {
        "f",
        "m",
    }
    assert by["metric:log_loss"].status == "fail" and "above the maximum 0.1" in by["metric:log_loss"].message
    assert by["missing_stability"].status == "error" and "NaN" in by["missing_stability"].message
    assert by["invariance"].status == "fail" and by["invariance"].value is not None
    assert by["invariance"].value > 0.01
    assert by["latency"].status == "pass" and by["latency"].details["samples"] == 20
    assert not run.passed and set(run.failed) == {"metric:log_loss", "missing_stability", "invariance"}


def test_regression_model_gets_the_regression_suite(env: tuple[Client, Steward]) -> None:
    client, app = env
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
    frame["y"] = 3 * frame["a"] - frame["b"] + rng.normal(0, 0.1, 500)
    client.register(
        LinearRegression().fit(frame[["a", "b"]], frame["y"]), "price", input_example=frame[["a", "b"]]
    )
    run = app.validation.validate("price/1", frame, "y", actor="alice")
    assert run.task == "regression" and run.passed, run.failed
    assert run.checks[0].name == "metric:r2" and set(run.metrics) == {"rmse", "mae", "r2", "mape"}


@pytest.mark.parametrize(
    ("change", "sensitive", "message"),
    [
        (lambda d: d.drop(columns=["y"]), [], "no target column 'y'; it has 'a', 'b', 'c', 'group'"),
        (lambda d: d.head(0), [], "has no rows"),
        (lambda d: d.assign(a=d["a"].astype(str)), [], "column 'a' is string, the signature says float64"),
        (lambda d: d.assign(group="f"), ["group"], "'group' has one group only"),
        (lambda d: d, ["nope"], "no sensitive column 'nope'"),
        (lambda d: d.assign(y=d["y"].astype(float).where(d.index > 0)), [], "missing value"),
    ],
)
def test_bad_input_is_a_clear_error_and_stores_nothing(
    env: tuple[Client, Steward],
    data: pd.DataFrame,
    fair: Any,
    change: Any,
    sensitive: list[str],
    message: str,
) -> None:
    client, app = env
    client.register(fair, "churn", input_example=data[["a", "b", "c"]].head())
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        app.validation.validate("churn/1", change(data), "y", sensitive=sensitive, actor="alice")
    assert runs(app, "churn/1") == 0


def test_suite_problems_are_clear_errors(env: tuple[Client, Steward], data: pd.DataFrame, fair: Any) -> None:
    client, app = env
    client.register(fair, "churn", input_example=data[["a", "b", "c"]].head())
    with pytest.raises(InvalidInputError, match="unknown check 'acuracy'; use one of metric, no_regression"):
        load_suite("- check: acuracy\n  min: 0.5\n")
    with pytest.raises(InvalidInputError, match="does not apply to a binary model; use one of accuracy"):
        app.validation.validate(
            "churn/1",
            data,
            "y",
            suite=parse_suite([{"check": "metric", "metric": "rmse", "max": 1}]),
            actor="a",
        )
    with pytest.raises(InvalidInputError, match="needs a sensitive feature"):
        app.validation.validate(
            "churn/1",
            data,
            "y",
            suite=parse_suite([{"check": "fairness", "metric": "demographic_parity_ratio"}]),
            actor="a",
        )
    with pytest.raises(NotFoundError):
        app.validation.validate("churn/1", data, "y", against="churn/9", actor="a")
    assert runs(app, "churn/1") == 0


def test_service_constructor_is_the_one_the_app_uses(env: tuple[Client, Steward]) -> None:
    assert isinstance(env[1].validation, ValidationService)


def test_html_report_has_the_checks_and_plots(
    env: tuple[Client, Steward], data: pd.DataFrame, fair: Any
) -> None:
    client, app = env
    x = data[["a", "b", "c"]]
    client.register(fair, "churn", input_example=x.head())
    client.set_alias("churn", "champion", 1)
    client.register(DecisionTreeClassifier(max_depth=2).fit(x, data["y"]), "churn", input_example=x.head())
    run = app.validation.validate("churn/2", data, "y", sensitive=["group"], actor="alice")
    page = app.validation.report_html(run.id)
    assert page.startswith("<!doctype html>") and f"Validation run {run.id} of churn/2" in page
    for check in run.checks:
        assert check.name in page
    assert page.count("<svg") == 5  # metric bars, bootstrap interval, 2 x group rates, reliability
    assert "<script" not in page
    with pytest.raises(NotFoundError, match="No validation run 999"):
        app.validation.report_html(999)


def test_multiclass_model_with_text_labels(env: tuple[Client, Steward]) -> None:
    client, app = env
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"a": rng.normal(size=900), "b": rng.normal(size=900)})
    frame["y"] = np.select([frame["a"] > 0.5, frame["b"] > 0], ["high", "mid"], "low")
    model = LogisticRegression().fit(frame[["a", "b"]], frame["y"])
    client.register(model, "tier", input_example=frame[["a", "b"]].head())
    run = app.validation.validate("tier/1", frame, "y", actor="alice")
    assert run.task == "multiclass" and run.passed, run.failed
    assert run.metrics["accuracy"] == pytest.approx(
        float(np.mean(model.predict(frame[["a", "b"]]) == frame["y"]))
    )
    assert "roc_auc" in run.metrics and "calibration" in [c.name for c in run.checks]
    with pytest.raises(InvalidInputError, match="Fairness checks apply to binary classifiers"):
        app.validation.validate(
            "tier/1",
            frame.assign(g=rng.choice(["x", "y"], 900)),
            "y",
            sensitive=["g"],
            suite=parse_suite([{"check": "fairness", "metric": "demographic_parity_ratio"}]),
            actor="a",
        )


def test_a_policy_validation_gate_reads_the_stored_runs(
    env: tuple[Client, Steward], data: pd.DataFrame, fair: Any
) -> None:
    client, app = env
    client.register(fair, "churn", input_example=data[["a", "b", "c"]].head())
    app.policies.publish(
        "name: production\naliases: [champion]\n"
        "gates:\n  validation: {checks: [metric:roc_auc, calibration]}\n",
        actor="alice",
    )

    def gate() -> tuple[bool, str]:
        (result,) = [g for g in app.policies.check("churn/1", "champion").gates if g.gate == "validation"]
        return result.passed, result.why

    assert gate() == (False, "no validation results available for metric:roc_auc, calibration")
    with pytest.raises(PolicyViolationError):
        client.set_alias("churn", "champion", 1)
    app.validation.validate("churn/1", data, "y", actor="alice")
    assert gate()[0] is True
    client.set_alias("churn", "champion", 1)
    assert client.get("churn@champion").version == 1
