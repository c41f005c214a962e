"""``steward demo``: a one-minute tour on generated data, ending with the control plane running.

Two scikit-learn models are trained on a synthetic churn table (numeric and
categorical columns, no downloads), registered as consecutive versions of
``churn-demo`` with metrics, data lineage and an input example; ``champion``
moves to the first, then the second, and is rolled back. Running it again
adds two more versions.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated, Any

import typer

from steward.cli.alias import history_table
from steward.cli.options import globals_of, open_client
from steward.cli.output import Steps, cell, console, show, table
from steward.cli.server import PortOption, base_url, serve

if TYPE_CHECKING:
    import pandas as pd

MODEL = "churn-demo"
ALIAS = "champion"
NUMERIC = ["tenure_months", "monthly_charges", "support_calls"]
CATEGORICAL = ["contract", "payment_method"]


def demo(
    ctx: typer.Context,
    *,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the tour; do not start the server.")
    ] = False,
    port: PortOption = 8080,
) -> None:
    """Train two models on generated data, register them, move and roll back 'champion', then serve."""
    options = globals_of(ctx)
    settings = options.settings()
    with Steps(8) as steps, open_client(ctx) as client:
        steps.next("Generating a synthetic churn table")
        train, test = split(make_churn_data())
        x_train, y_train = train.drop(columns="churned"), train["churned"]
        x_test, y_test = test.drop(columns="churned"), test["churned"]
        steps.next("Training a logistic regression")
        first = _logistic().fit(x_train, y_train)
        steps.next("Training a random forest")
        second = _forest().fit(x_train, y_train)
        versions = []
        for label, model in (("logistic regression", first), ("random forest", second)):
            steps.next(f"Registering the {label}")
            versions.append(
                client.register(
                    model,
                    MODEL,
                    input_example=x_test.head(20),
                    metrics=evaluate(model, x_test, y_test),
                    params={"algorithm": label, **_key_params(model)},
                    tags={"demo": "true"},
                    description=f"Demo: {label} on a synthetic churn table.",
                    training_data=train,
                    evaluation_data=test,
                )
            )
        v1, v2 = versions
        steps.next(f"Pointing {ALIAS} at {v1.ref}")
        client.set_alias(MODEL, ALIAS, v1.version, reason="demo: first model goes to production")
        steps.next(f"Moving {ALIAS} to {v2.ref}")
        client.set_alias(MODEL, ALIAS, v2.version, reason="demo: try the random forest in production")
        steps.next(f"Rolling {ALIAS} back")
        client.rollback_alias(MODEL, ALIAS, reason="demo: roll back to the previous champion")
        history = client.alias_history(MODEL, ALIAS)

    summary = table("version", "algorithm", "auc", "accuracy", "f1", title=f"Registered versions of {MODEL}")
    for version in versions:
        metrics = version.metrics
        summary.add_row(
            cell(version.ref), cell(version.params.get("algorithm")),
            cell(metrics.get("auc")), cell(metrics.get("accuracy")), cell(metrics.get("f1")),
        )  # fmt: skip
    show(summary, history_table(history[-3:], title=f"{MODEL}@{ALIAS}: the last three moves"))
    show(f"[bold]{MODEL}@{ALIAS}[/bold] now points to {cell(v1.ref)}.")

    prefix = "steward" if options.uri is None else f"steward --uri {shlex.quote(settings.uri)}"
    url = settings.uri if settings.is_remote else base_url("127.0.0.1", port)
    out = console()
    if not no_serve or settings.is_remote:
        out.print(
            f"\nConsole:    {url}/models/{MODEL}\nAPI docs:   {url}/docs"
            f"\nThe model:  {url}/api/v1/models/{MODEL}",
            markup=False,
            soft_wrap=True,
        )
    out.print("\nTry:", markup=False)
    for command in (
        f"{prefix} versions list --filter \"name = '{MODEL}'\"",
        f"{prefix} versions show {MODEL}@{ALIAS}",
        f"{prefix} alias history {MODEL} {ALIAS}",
    ):
        out.print(f"  {command}", markup=False, soft_wrap=True)
    if not no_serve and not settings.is_remote:
        out.print("", markup=False)
        serve(settings, "127.0.0.1", port)


def make_churn_data(rows: int = 1500, seed: int = 42) -> pd.DataFrame:
    """A churn-like table: customers who call support often on monthly contracts leave."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], size=rows, p=[0.55, 0.25, 0.2])
    payment = rng.choice(["card", "bank-transfer", "electronic-check"], size=rows)
    tenure = rng.integers(1, 72, size=rows)
    charges = np.round(rng.normal(65, 20, size=rows).clip(15, 130), 2)
    calls = rng.poisson(1.5, size=rows)
    logit = (
        -1.0 + 1.4 * (contract == "month-to-month") - 0.8 * (contract == "two-year")
        + 0.5 * (payment == "electronic-check") - 0.04 * tenure + 0.015 * (charges - 65) + 0.45 * calls
    )  # fmt: skip
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype("int64")
    return pd.DataFrame(
        {
            "tenure_months": tenure.astype("int64"),
            "monthly_charges": charges,
            "support_calls": calls.astype("int64"),
            "contract": contract,
            "payment_method": payment,
            "churned": churned,
        }
    )


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(frame, test_size=0.25, random_state=0, stratify=frame["churned"])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def evaluate(model: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    predicted = model.predict(x)
    return {
        "auc": round(float(roc_auc_score(y, model.predict_proba(x)[:, 1])), 4),
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "f1": round(float(f1_score(y, predicted)), 4),
    }


def _preprocess() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )


def _logistic() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([("prepare", _preprocess()), ("model", LogisticRegression(C=1.0, max_iter=1000))])


def _forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    forest = RandomForestClassifier(n_estimators=60, max_depth=6, random_state=0, n_jobs=1)
    return Pipeline([("prepare", _preprocess()), ("model", forest)])


def _key_params(model: Any) -> dict[str, Any]:
    estimator = model.named_steps["model"]
    wanted = ("C", "max_iter", "n_estimators", "max_depth")
    return {key: value for key, value in estimator.get_params().items() if key in wanted}
