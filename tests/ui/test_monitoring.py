"""The monitoring pages over HTTP, on real monitoring data: references, two windows, labels, alerts.

``churn-api`` gets a reference for both versions, an hour of traffic like the training data and an
hour with ``tenure`` shifted (it drifts), labels for the first hour, and an alert rule on the
drifted share that fires on the second. A second deployment has no monitor, a third a monitor with
no windows, for the empty states.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.settings import Settings
from tests.payloads import labels_for, write_payloads
from tests.ui.conftest import World, csrf_of, sign_in, training_data

T1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 5, tzinfo=UTC)
QUIET = "quiet-api"
FRESH = "fresh-api"
RULES = 55


def window_param(at: datetime) -> str:
    return at.replace(minute=0).isoformat()


@pytest.fixture(scope="module")
def monitored(world: World) -> World:
    settings = Settings.resolve(
        uri=world.uri, artifacts=world.artifacts, actor="root", env={"STEWARD_HOME": str(world.folder)}
    )
    frame, target = training_data()
    model = LogisticRegression(C=1.0).fit(frame, target)  # what churn/1 is
    with Client(settings=settings) as root:
        for ref in (f"{world.model}/1", f"{world.model}/2"):
            root.set_reference(ref, frame.assign(label=target), labels="label")
        payloads = world.folder / "payloads"
        ids = write_payloads(payloads, world.deployment, f"{world.model}/1", frame, model, T1, latency_ms=3.0)
        shifted = frame.assign(tenure=frame["tenure"] + 25)
        write_payloads(
            payloads, world.deployment, f"{world.model}/1", shifted, model, T2, prefix="s", errors=6
        )
        write_payloads(payloads, world.deployment, f"{world.model}/2", frame.head(60), model, T2, prefix="c")
        for i in range(RULES):  # more alerts than a page (50)
            root.set_alert_rule(f"drift-share-{i:02d}", "drift.share", ">=", 0.3, severity="critical")
        summary = root.run_monitoring(world.deployment)
        assert summary.rows == 660 and len(summary.windows) == 2
        root.log_labels(world.deployment, labels_for(ids, target.tolist()))
        root.create_deployment(QUIET, {f"{world.model}@champion": 100}, reason="no monitor")
        root.create_deployment(FRESH, {f"{world.model}/1": 100}, reason="monitor, no windows")
        root.configure_monitoring(FRESH, window="hour")
    return world


def test_the_index_lists_every_deployment_with_its_drift_and_alerts(
    console: httpx.Client, monitored: World
) -> None:
    html = sign_in(console, monitored, "vic").get("/monitoring").text
    row = re.search(rf'<a href="/monitoring/{monitored.deployment}">.*?</tr>', html, re.S)
    assert row, html[:2000]
    assert "hour windows" in row.group(0) and ">2<" in row.group(0)  # two windows
    assert f"{RULES} firing" in row.group(0)
    quiet = re.search(rf'<a href="/monitoring/{QUIET}">.*?</tr>', html, re.S)
    assert quiet and "not monitored yet" in quiet.group(0)


def test_a_deployment_shows_drift_over_time_as_charts(console: httpx.Client, monitored: World) -> None:
    html = sign_in(console, monitored, "vic").get(f"/monitoring/{monitored.deployment}").text
    series = re.search(r'data-testid="series">(.*?)<h2 id="window">', html, re.S)
    assert series, html[:2000]
    charts = dict(re.findall(r'data-testid="chart-(\w+)">(.*?)</figure>', series.group(1), re.S))
    assert set(charts) == {"drift", "performance", "traffic"}
    assert all(chart.count("<svg") == 1 for chart in charts.values())
    # the drift panels: the drifted share and churn/1's per-feature scores (each a line: a path)
    assert charts["drift"].count('id="axes_') == 3  # share, churn/1 and churn/2
    assert charts["performance"].count('id="axes_') == 2  # from labels, and estimated


def test_the_newest_window_shows_histograms_drift_and_quality(
    console: httpx.Client, monitored: World
) -> None:
    html = sign_in(console, monitored, "vic").get(f"/monitoring/{monitored.deployment}").text
    assert re.search(rf'<option value="{re.escape(window_param(T2))}" selected>', html)
    version = re.search(rf'data-testid="version-{monitored.model}/1">(.*?)</section>', html, re.S)
    assert version, html[:3000]
    part = version.group(1)
    assert "300 rows" in part and "drift" in part
    histograms = re.search(r'data-testid="histograms">(.*?)</figure>', part, re.S)
    assert histograms and histograms.group(1).count("<svg") == 1
    drawn = re.search(r"per bin: ([^<]+)</figcaption>", histograms.group(1))
    assert drawn, histograms.group(1)[:500]
    features = drawn.group(1).split(", ")
    assert {"tenure", "spend", "calls"} <= set(features)
    assert features.index("tenure") < features.index("spend")  # drifted features come first
    assert histograms.group(1).count('id="axes_') == len(features)
    table = re.search(r'data-testid="drift-table">(.*?)</table>', part, re.S)
    assert table
    tenure = re.search(r"<td class=\"name\">tenure</td>.*?</tr>", table.group(1), re.S)
    assert tenure and "drifted" in tenure.group(0)
    spend = re.search(r"<td class=\"name\">spend</td>.*?</tr>", table.group(1), re.S)
    assert spend and ">no<" in spend.group(0)
    assert 'data-testid="quality' in part


def test_an_older_window_can_be_chosen(console: httpx.Client, monitored: World) -> None:
    sign_in(console, monitored, "vic")
    html = console.get(f"/monitoring/{monitored.deployment}", params={"window": window_param(T1)}).text
    assert re.search(rf'<option value="{re.escape(window_param(T1))}" selected>', html)
    version = re.search(rf'data-testid="version-{monitored.model}/1">(.*?)</section>', html, re.S)
    assert version and "no drift" in version.group(1)
    assert f'data-testid="version-{monitored.model}/2"' not in html  # it served only in the second hour
    for bad in ("yesterday", "2020-01-01T00:00:00+00:00"):
        answer = console.get(f"/monitoring/{monitored.deployment}", params={"window": bad})
        assert answer.status_code == 422 and "window" in answer.text.lower()


def test_performance_and_alert_history(console: httpx.Client, monitored: World) -> None:
    html = sign_in(console, monitored, "vic").get(f"/monitoring/{monitored.deployment}").text
    performance = re.search(r'data-testid="performance">(.*?)</table>', html, re.S)
    assert performance and "performance.accuracy" in performance.group(1)
    assert 'data-testid="no-labels"' not in html
    alerts = re.search(r'data-testid="alerts">(.*?)</table>', html, re.S)
    assert alerts, html[-3000:]
    assert "drift-share" in alerts.group(1) and "firing" in alerts.group(1) and "critical" in alerts.group(1)


def test_the_alert_history_is_paginated(console: httpx.Client, monitored: World) -> None:
    sign_in(console, monitored, "vic")
    pages = []
    for number in (1, 2):
        html = console.get(f"/monitoring/{monitored.deployment}", params={"page": number}).text
        alerts = re.search(r'data-testid="alerts">(.*?)</table>', html, re.S)
        assert alerts
        pages.append(re.findall(r'<td class="name">(drift-share-\d+)</td>', alerts.group(1)))
    assert len(pages[0]) == 50 and len(pages[1]) == RULES - 50
    assert sorted(pages[0] + pages[1]) == [f"drift-share-{i:02d}" for i in range(RULES)]


def test_empty_states_say_what_to_run(console: httpx.Client, monitored: World) -> None:
    sign_in(console, monitored, "vic")
    quiet = console.get(f"/monitoring/{QUIET}").text
    assert 'data-testid="no-monitor"' in quiet and "steward monitor set-reference" in quiet
    fresh = console.get(f"/monitoring/{FRESH}").text
    assert 'data-testid="no-windows"' in fresh and f"steward monitor run {FRESH}" in fresh
    assert console.get("/monitoring/no-such-api").status_code == 404


def test_monitoring_pages_offer_no_actions_to_a_viewer(console: httpx.Client, monitored: World) -> None:
    html = sign_in(console, monitored, "vic").get(f"/monitoring/{monitored.deployment}").text
    assert 'method="post"' not in html.replace('method="post" action="/signout"', "")
    assert csrf_of(console, "/monitoring")  # only the sign-out form carries one


def test_a_version_without_a_reference_says_how_to_set_one(console: httpx.Client, monitored: World) -> None:
    settings = Settings.resolve(
        uri=monitored.uri, artifacts=monitored.artifacts, actor="root",
        env={"STEWARD_HOME": str(monitored.folder)},
    )  # fmt: skip
    frame, target = training_data(seed=9, rows=30)
    model = LogisticRegression().fit(frame, target)
    late = T2 + timedelta(hours=1)
    write_payloads(monitored.folder / "payloads", QUIET, "other/1", frame, model, late, prefix="q")
    with Client(settings=settings) as root:
        root.run_monitoring(QUIET)
    html = sign_in(console, monitored, "vic").get(f"/monitoring/{QUIET}").text
    assert "other/1 has no reference" in html and "steward monitor set-reference other/1" in html
