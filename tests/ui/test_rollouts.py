"""The rollout page over HTTP: steps, weight, guardrail readings against limits, history, and the
abort button (operators only, CSRF form) that goes back to the champion alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from steward.core.rollout import Guardrails, RolloutPlan, VersionStats
from steward.core.rollout_records import Rollout, RolloutStatus
from steward.ui.pages.rollouts import guardrail_rows
from tests.ui.conftest import World, csrf_of, sign_in

NAME = "roll-api"


def test_the_rollout_page_and_its_abort(console: httpx.Client, world: World) -> None:
    with world.client("olga") as olga:
        olga.create_deployment(NAME, f"{world.model}@champion", reason="one route")
        sign_in(console, world, "vic")
        empty = console.get(f"/deployments/{NAME}/rollout")
        assert empty.status_code == 200 and "No rollout yet" in empty.text
        olga.start_rollout(
            NAME, f"{world.model}/2", steps=(10, 100), every="5m", min_requests=30,
            max_p99_ms=250, max_drift=0.2, reason="retrained <b>v2</b>",
        )  # fmt: skip
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert re.search(r'data-testid="rollout-weight">10%<', page)
    assert "0 of 30" in page and "retrained &lt;b&gt;v2&lt;/b&gt;" in page  # escaped
    guardrails = re.search(r'data-testid="guardrails">(.*?)</table>', page, re.S)
    assert guardrails and "p99 latency (ms)" in guardrails.group(1) and "≤ 250.0" in guardrails.group(1)
    assert "Prediction drift (psi)" in guardrails.group(1) and "broken" not in guardrails.group(1)
    assert guardrails.group(1).count("no reading") == 3  # no traffic yet: error rate, p99, drift
    chart = page.split('data-testid="rollout-chart"')[1].split("</figure>")[0]
    assert "<svg" in chart and 'data-testid="planned"' in chart and 'data-kind="start"' in chart
    assert 'data-testid="abort-rollout"' not in page  # a viewer may look, not abort
    assert 'data-testid="rollout-link"' in console.get(f"/deployments/{NAME}").text
    refused = console.post(
        f"/deployments/{NAME}/rollout/abort",
        data={"csrf": csrf_of(console, f"/deployments/{NAME}/rollout"), "reason": "no"},
    )
    assert refused.status_code == 403

    sign_in(console, world, "olga")
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert 'data-testid="abort-rollout"' in page
    no_token = console.post(f"/deployments/{NAME}/rollout/abort", data={"reason": "x"})
    assert no_token.status_code in (400, 403)
    csrf = csrf_of(console, f"/deployments/{NAME}/rollout")
    done = console.post(f"/deployments/{NAME}/rollout/abort", data={"csrf": csrf, "reason": "pager duty"})
    assert done.status_code == 303 and done.headers["location"] == f"/deployments/{NAME}/rollout"
    page = console.get(f"/deployments/{NAME}/rollout").text
    assert "aborted" in page and "pager duty" in page and 'data-testid="abort-rollout"' not in page
    chart = page.split('data-testid="rollout-chart"')[1].split("</figure>")[0]
    assert 'data-kind="aborted"' in chart and 'data-testid="planned"' not in chart
    with world.client("olga") as olga:
        assert [(r.ref, r.weight) for r in olga.get_deployment(NAME).spec.routes] == [
            (f"{world.model}@champion", 100.0)
        ]
    assert console.get("/deployments/nope/rollout").status_code == 404


def test_guardrail_rows_compare_each_reading_with_its_limit() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    guardrails = Guardrails(max_error_rate=0.05, max_p99_ratio=2.0, metric="accuracy", min_metric=0.8)
    plan = RolloutPlan("churn-api", "churn/2", guardrails=guardrails).checked()
    rollout = Rollout(1, "churn-api", plan, "churn@champion", "churn/2", "running", 0, "ann", at, at)
    status = RolloutStatus(
        rollout, VersionStats(100, 1, 50.0, metric=0.7, labelled=40), VersionStats(500, 0, 20.0)
    )
    rows = {label: (reading, limit, state) for label, reading, limit, state in guardrail_rows(status)}
    assert rows["Error rate"] == ("1.00%", "≤ 5.00%", "holds")
    assert rows["p99 over the champion's (x)"] == ("2.50", "≤ 2.00", "broken")
    assert rows["accuracy (labelled rows: 40)"] == ("0.7000", "≥ 0.8000", "broken")
    assert len(rows) == 3  # only the guardrails the plan sets
