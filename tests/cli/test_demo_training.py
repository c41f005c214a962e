"""The demo's premises, fast: seeded data, a weak model below the gate and a good one above it,
and the retraining entry point's contract."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from steward.cli.demo import data, training
from steward.cli.demo.story import SUITE


def gate() -> float:
    (check,) = [c for c in SUITE["checks"] if c.get("metric") == "roc_auc"]
    return float(check["min"])


def test_the_data_is_seeded_and_the_drifted_population_differs() -> None:
    pd.testing.assert_frame_equal(data.make_churn_data(200), data.make_churn_data(200))
    normal, drifted = data.make_churn_data(2000), data.make_churn_data(2000, drifted=True)
    assert drifted["tenure_months"].mean() < normal["tenure_months"].mean() - 10
    assert drifted["monthly_charges"].mean() > normal["monthly_charges"].mean() + 10
    assert (drifted["contract"] == "month-to-month").mean() > (normal["contract"] == "month-to-month").mean()
    assert list(data.features(normal).columns) == data.FEATURES


def test_the_weak_model_falls_below_the_gate_and_the_good_one_clears_it() -> None:
    train, holdout = data.split(data.make_churn_data())
    weak = training.evaluate(training.fit(train, "weak"), holdout)
    good = training.evaluate(training.fit(train, "logistic"), holdout)
    assert weak["auc"] < gate() <= good["auc"]
    with pytest.raises(ValueError, match="Unknown demo algorithm"):
        training.fit(train, "forest")


def test_the_retraining_entry_point_fits_on_its_data_and_reports_progress(tmp_path: Path) -> None:
    recent_path, holdout_path = data.write_recent(tmp_path)
    recent, holdout = pd.read_parquet(recent_path), pd.read_parquet(holdout_path)
    assert len(recent) + len(holdout) == 3000 and data.TARGET in holdout
    steps: list[tuple[float, str]] = []
    context = SimpleNamespace(data=recent, params={}, progress=lambda f, m: steps.append((f, m)))
    model, metrics = training.train(context)
    assert set(metrics) == {"auc", "accuracy", "f1"} and metrics["auc"] >= gate()
    assert training.evaluate(model, holdout)["auc"] >= gate()
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and steps
