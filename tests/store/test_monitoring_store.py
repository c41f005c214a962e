"""The monitoring and alert repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from steward.core.alerts import AlertRule
from steward.core.deployment import DeploymentSpec, Route
from steward.core.errors import ConflictError, NotFoundError
from steward.core.windows import Figure
from steward.store import SqlStore

from .builders import T0, create, draft, register

H = timedelta(hours=1)


@pytest.fixture
def monitored(store: SqlStore) -> SqlStore:
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn"))
        spec = DeploymentSpec(routes=(Route("churn/1", 100.0),))
        tx.deployments.create("api", spec, actor="alice", at=T0, reason="")
        tx.monitoring.put_monitor("api", window="hour", drift={}, actor="alice", at=T0)
    return store


def fig(name: str, value: float | None, start: int = 0) -> Figure:
    return Figure("api", "churn/1", T0 + start * H, T0 + (start + 1) * H, name, value, {"n": 1})


def test_references_are_stored_per_version_and_replaced(monitored: SqlStore) -> None:
    with monitored.write() as tx:
        with pytest.raises(NotFoundError, match="set-reference"):
            tx.monitoring.get_reference("churn", 1)
        first, previous = tx.monitoring.put_reference(
            "churn", 1, task="classification", features=["a"], profile={"rows": 1}, calibration=None,
            fingerprint="f" * 64, rows=1, actor="alice", at=T0,
        )  # fmt: skip
        assert previous is None and first.features == ("a",) and not first.has_labels
        second, previous = tx.monitoring.put_reference(
            "churn", 1, task="regression", features=["a", "b"], profile={"rows": 2},
            calibration={"scores": [0.1], "labels": [0]}, fingerprint="e" * 64, rows=2, actor="bob",
            at=T0 + H,
        )  # fmt: skip
        assert previous == first and second.has_labels
        assert tx.monitoring.get_reference("churn", 1) == (
            second,
            {"rows": 2},
            {"scores": [0.1], "labels": [0]},
        )
        with pytest.raises(NotFoundError):
            tx.monitoring.put_reference(
                "churn", 7, task="regression", features=[], profile={}, calibration=None,
                fingerprint="", rows=0, actor="a", at=T0,
            )  # fmt: skip


def test_windows_files_and_figures(monitored: SqlStore) -> None:
    with monitored.write() as tx:
        m = tx.monitoring
        assert m.monitored() == ["api"] and m.processed_files("api") == set()
        m.add_files("api", [("date=x/hour=01/part-1.parquet", 10)], T0)
        assert m.processed_files("api") == {"date=x/hour=01/part-1.parquet"}
        m.put_window("api", T0, T0 + H, "churn/1", rows=10, profile={"p": 1}, traffic={"requests": 10}, at=T0)
        m.put_window("api", T0, T0 + H, "churn/1", rows=20, profile={"p": 2}, traffic={"requests": 20}, at=T0)
        [window] = m.windows("api")
        assert window["rows"] == 20 and window["profile"] == {"p": 2}
        m.replace_figures("api", [(T0, "churn/1")], [fig("drift.a", 0.2), fig("drift.share", 0.5)])
        m.replace_figures("api", [(T0, "churn/1")], [fig("performance.accuracy", 0.9)], performance=True)
        m.replace_figures(
            "api", [(T0, "churn/1")], [fig("drift.a", 0.3)]
        )  # drift rewritten, performance kept
        assert {(f.name, f.value) for f in m.figures("api")} == {
            ("drift.a", 0.3),
            ("performance.accuracy", 0.9),
        }
        m.replace_figures("api", [(T0 + H, "churn/1")], [fig("drift.a", None, 1), fig("drift_ab", 1.0, 1)])
        assert [f.value for f in m.figures("api", name="drift.a")] == [0.3, None]
        assert [f.name for f in m.figures("api", name="drift_*")] == [
            "drift_ab"
        ]  # LIKE's _ is not a wildcard
        assert [f.value for f in m.figures("api", name="drift.*", since=T0 + H)] == [None]
        with pytest.raises(NotFoundError):
            m.figures("nope")


def test_labels_upsert_by_request_and_row(monitored: SqlStore) -> None:
    with monitored.write() as tx:
        assert tx.monitoring.put_labels("api", [("r1", 0, 1), ("r1", 1, 0), ("r2", 0, "yes")], T0) == 0
        assert tx.monitoring.put_labels("api", [("r1", 0, 0), ("r3", 0, 2.5)], T0 + H) == 1
        assert sorted(tx.monitoring.labels("api")) == [
            ("r1", 0, 0),
            ("r1", 1, 0),
            ("r2", 0, "yes"),
            ("r3", 0, 2.5),
        ]


def test_one_open_alert_per_rule_and_figure(monitored: SqlStore) -> None:
    rule = AlertRule("drift", "drift.*", ">", 0.5)
    with monitored.write() as tx:
        assert tx.alerts.put_rule(rule, actor="alice", at=T0) is None
        alert = tx.alerts.fire(
            rule, deployment="api", version="churn/1", figure="drift.a", value=0.9, window_start=T0, at=T0
        )
        with pytest.raises(ConflictError):
            tx.alerts.fire(
                rule, deployment="api", version="churn/1", figure="drift.a", value=0.9, window_start=T0, at=T0
            )
        assert tx.alerts.open_alert("drift", "api", "churn/1", "drift.a") == alert
        resolved = tx.alerts.resolve("drift", alert.id, at=T0 + H)
        assert resolved.status == "resolved" and resolved.resolved_at == T0 + H
        with pytest.raises(ConflictError):
            tx.alerts.resolve("drift", alert.id, at=T0 + H)
        again = tx.alerts.fire(
            rule, deployment="api", version="churn/1", figure="drift.a", value=0.8, window_start=T0 + H, at=T0
        )
        assert tx.alerts.last_fired_window("drift", "api", "churn/1", "drift.a") == T0 + H
        assert [a.id for a in tx.alerts.list_alerts()] == [again.id, alert.id]
        assert [a.id for a in tx.alerts.list_alerts(status="firing")] == [again.id]
        tx.alerts.delete_rule("drift")
        assert tx.alerts.list_alerts() == [] and tx.alerts.list_rules() == []
