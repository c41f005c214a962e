"""Training entry points for the retraining tests: small scikit-learn models on the run's data.

Params steer them: ``wait_for`` (a file to wait for), ``pid_file`` + ``sleep`` (write the pid, then
sleep), ``fail`` (raise), ``dummy`` (a constant model that fails the regression check).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression


def fit(ctx: Any) -> tuple[Any, dict[str, float]]:
    params = ctx.params
    ctx.progress(0.1, "starting")
    if params.get("pid_file"):
        Path(params["pid_file"]).write_text(str(os.getpid()))
    if params.get("wait_for"):
        while not Path(params["wait_for"]).exists():
            time.sleep(0.05)
    if params.get("sleep"):
        time.sleep(float(params["sleep"]))
    if params.get("fail"):
        raise RuntimeError("boom from the entry point")
    model: Any = (
        DummyClassifier(strategy="constant", constant=0) if params.get("dummy") else LogisticRegression()
    )
    model.fit(ctx.features, ctx.labels)
    ctx.progress(0.9, "fitted")
    return model, {"train_accuracy": float(model.score(ctx.features, ctx.labels))}
