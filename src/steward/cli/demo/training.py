"""How the demo trains its models; importable, so a retraining run (its own process) can call it.

``weak`` is a one-split tree on a single column (it fails the validation gate);
``logistic`` is a logistic regression on every column (it passes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.cli.demo.data import CATEGORICAL, NUMERIC, TARGET, features

if TYPE_CHECKING:
    import pandas as pd

ALGORITHMS = {
    "weak": "one-split tree on payment_method",
    "logistic": "logistic regression on every column",
}


def fit(frame: pd.DataFrame, algorithm: str = "logistic") -> Any:
    """A scikit-learn pipeline fitted on *frame* (features and the ``churned`` target)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"Unknown demo algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}.")
    model = _weak() if algorithm == "weak" else _logistic()
    return model.fit(features(frame), frame[TARGET])


def evaluate(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    """AUC, accuracy and F1 of *model* on the labelled *frame*, rounded for display."""
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    x, y = features(frame), frame[TARGET]
    predicted = model.predict(x)
    return {
        "auc": round(float(roc_auc_score(y, model.predict_proba(x)[:, 1])), 4),
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "f1": round(float(f1_score(y, predicted, zero_division=0)), 4),
    }


def params(model: Any, algorithm: str) -> dict[str, str]:
    """What is recorded with the version: the algorithm and its key settings."""
    estimator = model.named_steps["model"]
    wanted = ("C", "max_iter", "max_depth")
    chosen = {k: str(v) for k, v in estimator.get_params().items() if k in wanted}
    return {"algorithm": ALGORITHMS[algorithm], **chosen}


def _weak() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.tree import DecisionTreeClassifier

    prepare = ColumnTransformer([("payment", OneHotEncoder(handle_unknown="ignore"), ["payment_method"])])
    return Pipeline([("prepare", prepare), ("model", DecisionTreeClassifier(max_depth=1, random_state=0))])


def _logistic() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    prepare = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=1.0, max_iter=1000))])


def train(context: Any) -> tuple[Any, dict[str, float]]:
    """The retraining entry point (``steward.cli.demo.training:train``), run in its own process.

    *context* is the run's :class:`~steward.services.retrain_worker.RetrainContext`: its ``data``
    (features and ``churned``) and ``params`` (``algorithm``, default ``logistic``). The model is
    fitted on three quarters of the data and its metrics measured on the rest."""
    from steward.cli.demo.data import split

    algorithm = str(context.params.get("algorithm", "logistic"))
    context.progress(0.1, f"fitting a {ALGORITHMS.get(algorithm, algorithm)}")
    fitted, held_out = split(context.data)
    model = fit(fitted, algorithm)
    context.progress(0.8, "measuring it on held-out rows")
    return model, evaluate(model, held_out)
