from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError, NotFoundError
from tests.payloads import labels_for, write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 5, tzinfo=UTC)


def values(m: Monitored, name: str) -> dict[datetime, float | None]:
    return {f.start: f.value for f in m.app.monitoring.figures("churn-api", name=name)}


def shifted(frame: pd.DataFrame, by: float) -> pd.DataFrame:
    return frame.assign(a=frame["a"] + by)


def test_a_run_profiles_new_files_per_window_and_flags_the_drifted_feature(monitored: Monitored) -> None:
    m = monitored
    info = m.app.monitoring.set_reference("churn/1", m.reference, labels=m.labels, actor="alice")
    assert info.task == "classification" and info.has_labels and "__proba__" in info.features
    rng = np.random.default_rng(5)
    same = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    write_payloads(m.payloads, "churn-api", "churn/1", same, m.model, T1, rows_per_request=3)
    write_payloads(m.payloads, "churn-api", "churn/1", shifted(same, 3.0), m.model, T2, prefix="s", errors=5)

    summary = m.app.monitoring.run("churn-api", actor="alice")

    assert summary.files == 2 and summary.rows == 600 and len(summary.windows) == 2
    drift_a = values(m, "drift.a")
    assert drift_a[T1.replace(minute=0)] is not None
    assert drift_a[T2.replace(minute=0)] > drift_a[T1.replace(minute=0)]  # type: ignore[operator]
    detail = m.app.monitoring.figures("churn-api", name="drift.a", since=T2.replace(minute=0))[0].details
    assert detail["drifted"] is True
    share = values(m, "drift.share")
    assert share[T2.replace(minute=0)] > share[T1.replace(minute=0)]  # type: ignore[operator]
    errors = values(m, "error_rate")
    assert errors[T1.replace(minute=0)] == 0 and errors[T2.replace(minute=0)] == pytest.approx(5 / 305)
    assert values(m, "estimated.accuracy")[T1.replace(minute=0)] is not None
    assert values(m, "latency.p99")[T1.replace(minute=0)] == pytest.approx(2.0, rel=0.06)


def test_runs_are_incremental_and_idempotent(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    rng = np.random.default_rng(6)
    first = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    write_payloads(m.payloads, "churn-api", "churn/1", first, m.model, T1)
    assert m.app.monitoring.run("churn-api", actor="alice").rows == 100
    before = m.app.monitoring.figures("churn-api")
    again = m.app.monitoring.run("churn-api", actor="alice")
    assert (again.files, again.rows, again.figures) == (0, 0, 0)
    assert m.app.monitoring.figures("churn-api") == before
    write_payloads(m.payloads, "churn-api", "churn/1", first.head(40), m.model, T1, prefix="late")
    assert m.app.monitoring.run("churn-api", actor="alice").rows == 40
    assert values(m, "rows")[T1.replace(minute=0)] == 140
    assert values(m, "requests")[T1.replace(minute=0)] == 140


def test_odd_windows_say_what_is_wrong_and_the_run_completes(monitored: Monitored) -> None:
    m = monitored
    kinds = np.where(np.arange(len(m.reference)) % 2 == 0, "gold", "silver")
    m.app.monitoring.set_reference("churn/1", m.reference.assign(tier=kinds), actor="alice")
    # a missing column, an all-missing one, a constant one and an unseen category
    odd = m.reference.head(50).drop(columns=["c"]).assign(b=np.nan, a=1.0, tier="platinum")
    write_payloads(m.payloads, "churn-api", "churn/1", odd, _Constant(), T1)
    write_payloads(m.payloads, "churn-api", "churn/9", m.reference.head(10), m.model, T2, prefix="x")

    summary = m.app.monitoring.run("churn-api", actor="alice")

    names = {f.name for f in m.app.monitoring.figures("churn-api")}
    assert {"quality.missing_column.c", "quality.unseen_categories.tier", "quality.constant.a"} <= names
    assert values(m, "drift.tier")[T1.replace(minute=0)] is not None
    assert values(m, "quality.missing.b")[T1.replace(minute=0)] == 1.0
    assert summary.skipped_versions == {"churn/9": 10} and "set-reference churn/9" in summary.notes[0]
    assert values(m, "requests")[T2.replace(minute=0)] == 10  # traffic figures still kept


def test_labels_join_by_request_id_late_partial_and_unknown(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    data = m.reference.head(200)
    truth = m.labels[:200]
    ids = write_payloads(m.payloads, "churn-api", "churn/1", data, m.model, T1)
    m.app.monitoring.run("churn-api", actor="alice")

    half = m.app.monitoring.labels(
        "churn-api", labels_for([*ids[:100], "nobody"], [*truth[:100], 1]), actor="bob"
    )
    assert (half.received, half.matched, half.unknown, half.unknown_examples) == (101, 100, 1, ("nobody",))
    assert values(m, "performance.labelled")[T1.replace(minute=0)] == 100
    expected = float((m.model.predict(data.head(100)) == truth[:100]).mean())
    assert values(m, "performance.accuracy")[T1.replace(minute=0)] == pytest.approx(expected)

    flipped = m.app.monitoring.labels("churn-api", labels_for(ids[:100], 1 - truth[:100]), actor="bob")
    assert flipped.replaced == 100
    assert values(m, "performance.accuracy")[T1.replace(minute=0)] == pytest.approx(1 - expected)
    m.app.monitoring.run("churn-api", actor="alice")  # a later run keeps the performance figures
    assert values(m, "performance.accuracy")[T1.replace(minute=0)] == pytest.approx(1 - expected)
    with m.app.store.read() as tx:
        assert len(tx.audit.list(action="monitoring.labels")) == 2


def test_labels_that_arrive_before_their_predictions_count_at_the_next_run(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    ids = [f"early{i}" for i in range(20)]
    early = m.app.monitoring.labels("churn-api", labels_for(ids, m.labels[:20]), actor="bob")
    assert (early.matched, early.unknown) == (0, 20)
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(20), m.model, T1, prefix="early")
    m.app.monitoring.run("churn-api", actor="alice")
    assert values(m, "performance.labelled")[T1.replace(minute=0)] == 20


def test_a_reference_set_again_restarts_the_open_window_instead_of_failing(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(30), m.model, T1, prefix="x")
    m.app.monitoring.run("churn-api", actor="alice")
    m.app.monitoring.set_reference("churn/1", m.reference.head(300), actor="alice")  # other bin edges
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(10), m.model, T1, prefix="y")
    m.app.monitoring.run("churn-api", actor="alice")
    [window] = m.app.monitoring.windows("churn-api")[0]
    assert window["rows"] == 10  # the profile restarted with the new reference
    assert values(m, "requests")[T1.replace(minute=0)] == 40


def test_a_damaged_file_is_reported_and_left_for_the_next_run(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(10), m.model, T1)
    damaged = m.payloads / "deployment=churn-api" / "date=2026-03-01" / "hour=11" / "part-broken.parquet"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not parquet at all")
    summary = m.app.monitoring.run("churn-api", actor="alice")
    assert (summary.files, summary.rows) == (1, 10)
    assert any("part-broken.parquet" in note for note in summary.notes)
    again = m.app.monitoring.run("churn-api", actor="alice")
    assert again.files == 0 and any("part-broken.parquet" in note for note in again.notes)


def test_bad_input_is_refused_and_nothing_is_written(monitored: Monitored) -> None:
    m = monitored
    with pytest.raises(NotFoundError):
        m.app.monitoring.run("nope", actor="alice")
    with pytest.raises(NotFoundError, match="set-reference"):
        m.app.monitoring.get_reference("churn/1")
    with pytest.raises(InvalidInputError, match="request_id"):
        m.app.monitoring.labels("churn-api", pd.DataFrame({"id": ["a"], "label": [1]}), actor="bob")
    with pytest.raises(InvalidInputError, match="no rows"):
        m.app.monitoring.set_reference("churn/1", m.reference.head(0), actor="alice")
    with pytest.raises(InvalidInputError, match="label column"):
        m.app.monitoring.set_reference("churn/1", m.reference, labels="target", actor="alice")
    with m.app.store.read() as tx:
        assert tx.audit.list(action="monitoring.labels") == []
        assert tx.audit.list(action="monitoring.reference.set") == []


class _Constant:
    """A model answering 0 with probability 0.5, whatever it is given."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame), dtype=int)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.full((len(frame), 2), 0.5)
