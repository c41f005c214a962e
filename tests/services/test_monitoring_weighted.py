from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.explain import ExplainRequest
from tests.payloads import write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 5, tzinfo=UTC)
H1, H2 = T1.replace(minute=0), T2.replace(minute=0)


def window(m: Monitored, name: str, start: datetime) -> float | None:
    return next(f.value for f in m.app.monitoring.figures("churn-api", name=name) if f.start == start)


def test_stored_permutation_importance_weights_dataset_drift(monitored: Monitored) -> None:
    m = monitored  # the model's label follows a; b and c do not matter
    explained = m.app.explain.explain(
        "churn/1", m.reference.assign(label=m.labels), ExplainRequest("global", target="label", n_repeats=3),
        actor="alice",
    )  # fmt: skip
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    rng = np.random.default_rng(8)
    base = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    write_payloads(
        m.payloads, "churn-api", "churn/1", base.assign(b=base["b"] + 3, c=base["c"] + 3), m.model, T1
    )
    write_payloads(m.payloads, "churn-api", "churn/1", base.assign(a=base["a"] + 3), m.model, T2, prefix="x")

    m.app.monitoring.run("churn-api", actor="alice")

    # Two unimportant features drifted: most features, little of what the model uses.
    assert window(m, "drift.share", H1) == pytest.approx(2 / 3)
    assert window(m, "drift.weighted", H1) < 0.5 and window(m, "drift.dataset", H1) == 0.0  # type: ignore[operator]
    # One important feature drifted: a third of the features, most of what the model uses.
    assert window(m, "drift.share", H2) == pytest.approx(1 / 3)
    assert window(m, "drift.weighted", H2) > 0.5 and window(m, "drift.dataset", H2) == 1.0  # type: ignore[operator]
    weighted = m.app.monitoring.figures("churn-api", name="drift.weighted")[0]
    assert weighted.details["source"] == f"explanation {explained.id}"


def test_importances_given_at_set_reference_win_and_bad_ones_are_refused(monitored: Monitored) -> None:
    m = monitored
    for bad in ({"a": -1.0}, {"a": float("nan")}, {"zzz": 1.0}, {}, {"a": "high"}):
        with pytest.raises(InvalidInputError, match="mportances"):
            m.app.monitoring.set_reference("churn/1", m.reference, importance=bad, actor="alice")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        m.app.monitoring.get_reference("churn/1")  # nothing half-written
    m.app.monitoring.set_reference("churn/1", m.reference, importance={"b": 2.0, "c": 2.0}, actor="alice")
    rng = np.random.default_rng(9)
    base = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    write_payloads(m.payloads, "churn-api", "churn/1", base.assign(b=base["b"] + 3), m.model, T1)
    m.app.monitoring.run("churn-api", actor="alice")
    assert window(m, "drift.weighted", H1) == pytest.approx(0.5)
    assert m.app.monitoring.figures("churn-api", name="drift.weighted")[0].details["source"] == "given"


def test_without_importances_there_is_no_weighted_figure(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(100), m.model, T1)
    m.app.monitoring.run("churn-api", actor="alice")
    assert m.app.monitoring.figures("churn-api", name="drift.share")
    assert m.app.monitoring.figures("churn-api", name="drift.weighted") == []
