"""A command entry point for the retraining tests: reads the run from STEWARD_* and saves a candidate."""

from __future__ import annotations

import json
import os
import sys

import pandas as pd
from sklearn.linear_model import LogisticRegression

from steward.services.retrain_worker import report_progress, save_candidate

if __name__ == "__main__":
    params = json.loads(os.environ["STEWARD_PARAMS"])
    if params.get("exit_code"):
        print("failing on purpose", file=sys.stderr)
        sys.exit(int(params["exit_code"]))
    data = pd.read_parquet(os.environ["STEWARD_DATA"])
    target = os.environ["STEWARD_TARGET"]
    x, y = data.drop(columns=[target]), data[target]
    report_progress(0.5, "fitting")
    model = LogisticRegression().fit(x, y)
    save_candidate(model, metrics={"train_accuracy": float(model.score(x, y))}, input_example=x.head(5))
    print(f"run {os.environ['STEWARD_RUN_ID']} parent {os.environ['STEWARD_PARENT'] or 'none'}")
