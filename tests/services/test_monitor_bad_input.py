"""The issue's "bad input" list at the service level: odd windows say what is wrong, the run goes on.

A missing feature, all-missing, constant and unseen-category columns are in
``test_monitoring.py::test_odd_windows_say_what_is_wrong_and_the_run_completes``; labels for unknown
request ids in ``test_labels_join_by_request_id_late_partial_and_unknown``. Here: an empty window."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.payloads import write_payloads

from .conftest import Monitored

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 5, tzinfo=UTC)
H1, H2 = T1.replace(minute=0), T2.replace(minute=0)


def test_a_window_of_failed_requests_only_is_an_empty_window_and_the_next_is_judged(
    monitored: Monitored,
) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(0), m.model, T1, prefix="e", errors=6)
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(80), m.model, T2, prefix="ok")

    summary = m.app.monitoring.run("churn-api", actor="alice")

    assert (summary.files, summary.rows, len(summary.windows)) == (2, 80, 2)
    figures = {(f.start, f.name): f for f in m.app.monitoring.figures("churn-api")}
    empty = figures[(H1, "quality.empty_window")]
    assert (
        empty.value == 1.0 and empty.details["severity"] == "error" and "no rows" in empty.details["message"]
    )
    assert figures[(H1, "error_rate")].value == 1.0 and figures[(H1, "rows")].value == 0
    assert (H1, "drift.a") not in figures or figures[(H1, "drift.a")].value is None  # nothing to compare
    assert (H2, "quality.empty_window") not in figures
    assert figures[(H2, "drift.a")].value is not None and figures[(H2, "rows")].value == 80
