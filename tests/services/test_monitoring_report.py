from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from steward.core.errors import InvalidInputError, NotFoundError
from steward.services.monitoring_report import build_report, render_html
from tests.payloads import write_payloads

from .conftest import Monitored

T = datetime(2026, 3, 1, 10, tzinfo=UTC)


def report_size(m: Monitored, rows: int, at: datetime) -> tuple[int, dict[str, object]]:
    rng = np.random.default_rng(rows)
    frame = pd.DataFrame(rng.normal(size=(rows, 3)), columns=["a", "b", "c"])
    write_payloads(
        m.payloads, "churn-api", "churn/1", frame, m.model, at, rows_per_request=1000, prefix=f"n{rows}-"
    )
    m.app.monitoring.run("churn-api", actor="alice")
    report = build_report(m.app.monitoring, "churn-api", at.isoformat())
    return len(render_html(report).encode()), report


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_report_is_one_self_contained_page_whose_size_does_not_grow_with_rows(
    monitored: Monitored,
) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, labels=m.labels, actor="alice")
    small, small_report = report_size(m, 1_000, T)
    large, large_report = report_size(m, 100_000, T + timedelta(hours=1))

    assert large_report["versions"]["churn/1"]["rows"] == 100_000  # type: ignore[index]
    assert small_report["versions"]["churn/1"]["rows"] == 1_000  # type: ignore[index]
    assert abs(large - small) / small < 0.1, (small, large)
    page = render_html(large_report)
    assert page.count("<svg") >= 5
    assert "<script" not in page and "<link" not in page and 'src="' not in page  # nothing fetched
    assert "Drift" in page and "Data quality" in page
    json.dumps(large_report, allow_nan=False)  # the JSON form is strict JSON
    everything = build_report(m.app.monitoring, "churn-api", "all")
    assert everything["versions"]["churn/1"]["rows"] == 101_000  # type: ignore[index]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_reports_of_nothing_or_an_unknown_window_say_what_to_do(monitored: Monitored) -> None:
    m = monitored
    with pytest.raises(NotFoundError, match="steward monitor run"):
        build_report(m.app.monitoring, "churn-api")
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(10), m.model, T)
    m.app.monitoring.run("churn-api", actor="alice")
    with pytest.raises(InvalidInputError, match="No window starts"):
        build_report(m.app.monitoring, "churn-api", "2020-01-01T00:00")
    with pytest.raises(InvalidInputError, match="Bad window"):
        build_report(m.app.monitoring, "churn-api", "yesterday")
