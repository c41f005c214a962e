from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from steward.core.deployment import DeploymentSpec, Route
from steward.core.errors import InvalidInputError
from steward.core.monitoring.reservoir import RowSample
from steward.services.monitoring_report import build_report
from tests.payloads import write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 5, tzinfo=UTC)
H1, H2 = T1.replace(minute=0), T2.replace(minute=0)


def correlated(rows: int, seed: int, sign: float = 1.0) -> pd.DataFrame:
    """a and b strongly correlated (with *sign*), c independent; every marginal is the same either way."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rows)
    return pd.DataFrame({"a": a, "b": sign * a + 0.2 * rng.normal(size=rows), "c": rng.normal(size=rows)})


def test_a_broken_correlation_is_flagged_by_the_multivariate_figure_alone(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", correlated(1000, 1), actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", correlated(600, 2), m.model, T1, rows_per_request=3)
    write_payloads(m.payloads, "churn-api", "churn/1", correlated(600, 3, -1.0), m.model, T2, prefix="x")

    m.app.monitoring.run("churn-api", actor="alice")

    score = {f.start: f for f in m.app.monitoring.figures("churn-api", name="drift.multivariate")}
    flag = {
        f.start: f.value for f in m.app.monitoring.figures("churn-api", name="drift.multivariate.drifted")
    }
    assert flag == {H1: 0.0, H2: 1.0}
    assert score[H2].value > score[H2].details["threshold"] > score[H1].value  # type: ignore[operator]
    assert score[H2].details["rows"] == 600 and score[H2].details["features"] == ["a", "b", "c"]
    per_feature = [
        f
        for f in m.app.monitoring.figures("churn-api", name="drift.*", since=H2)
        if "multivariate" not in f.name
    ]
    features = [f for f in per_feature if "drifted" in f.details]
    assert {"drift.a", "drift.b", "drift.c"} <= {f.name for f in features}
    assert not any(f.details["drifted"] for f in features)
    assert next(f.value for f in per_feature if f.name == "drift.dataset") == 0.0
    series = build_report(m.app.monitoring, "churn-api", window="all")["series"]["drift.multivariate"]
    assert [value for _, value in series["churn/1"]] == [score[H1].value, score[H2].value]


def test_the_window_sample_is_bounded_and_the_same_however_many_runs_read_it(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", correlated(500, 1), actor="alice")
    m.app.monitoring.configure("churn-api", window="hour", drift={"multivariate_sample": 50}, actor="alice")
    first, second = correlated(120, 4), correlated(90, 5)
    write_payloads(m.payloads, "churn-api", "churn/1", first, m.model, T1, rows_per_request=2)
    m.app.monitoring.run("churn-api", actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", second, m.model, T1, prefix="late", rows_per_request=2)
    m.app.monitoring.run("churn-api", actor="alice")
    incremental = m.app.monitoring.figures("churn-api", name="drift.multivariate")[0]
    stored = m.app.monitoring.windows("churn-api")[0][0]["profile"]["sample"]
    sample = RowSample.from_dict(stored)
    assert len(sample.keys) == 50 and sample.seen == 210
    assert incremental.details["sampled_rows"] == 50 and incremental.details["rows"] == 210

    # The same rows read in one run keep the same sample, so the same figure.
    other = "churn-api-2"
    m.app.deployments.create(other, DeploymentSpec((Route("churn/1", 100),)), actor="alice")
    m.app.monitoring.configure(other, window="hour", drift={"multivariate_sample": 50}, actor="alice")
    write_payloads(m.payloads, other, "churn/1", first, m.model, T1, rows_per_request=2)
    write_payloads(m.payloads, other, "churn/1", second, m.model, T1, prefix="late", rows_per_request=2)
    m.app.monitoring.run(other, actor="alice")
    once = m.app.monitoring.figures(other, name="drift.multivariate")[0]
    assert once.value == pytest.approx(incremental.value)


def test_a_reference_with_one_numeric_feature_has_no_multivariate_figure(monitored: Monitored) -> None:
    m = monitored
    frame = correlated(300, 1)
    frame = frame.assign(b=frame["b"] > 0, c=frame["c"] > 0)  # flags are not numeric features
    m.app.monitoring.set_reference("churn/1", frame, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", frame, m.model, T1)
    m.app.monitoring.run("churn-api", actor="alice")
    assert m.app.monitoring.figures("churn-api", name="drift.a")
    assert m.app.monitoring.figures("churn-api", name="drift.multivariate*") == []


@pytest.mark.parametrize("size", [0, 5, 1.5, "many", True, 10**6])
def test_a_bad_sample_size_is_refused_and_nothing_is_written(monitored: Monitored, size: object) -> None:
    m = monitored
    with pytest.raises(InvalidInputError, match="multivariate_sample"):
        m.app.monitoring.configure("churn-api", drift={"multivariate_sample": size}, actor="alice")
    assert m.app.monitoring.drift_config("churn-api").multivariate_sample == 1000
