"""In Chromium: an operator rolls a deployment back through its page (confirm dialog, reason), the
audit log has the entry; screenshots of the deployments, deployment and monitoring pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.settings import Settings
from tests.payloads import write_payloads
from tests.ui.conftest import World, screenshot, training_data


@pytest.fixture(scope="module")
def traffic(world: World) -> World:
    """Live traffic in the last minutes, and two monitored windows (the second drifted)."""
    settings = Settings.resolve(
        uri=world.uri, artifacts=world.artifacts, actor="root", env={"STEWARD_HOME": str(world.folder)}
    )
    frame, target = training_data()
    model = LogisticRegression(C=1.0).fit(frame, target)
    payloads = world.folder / "payloads"
    now = datetime.now(UTC)
    for minutes, latency in ((9, 4.0), (6, 6.0), (3, 5.0), (1, 9.0)):
        at = now - timedelta(minutes=minutes)
        write_payloads(
            payloads, world.deployment, f"{world.model}/1", frame.head(30), model, at,
            prefix=f"live{minutes}-", latency_ms=latency, errors=minutes % 3,
        )  # fmt: skip
    with Client(settings=settings) as root:
        root.set_reference(f"{world.model}/1", frame.assign(label=target), labels="label")
        t1 = datetime(2026, 3, 1, 10, 5, tzinfo=UTC)
        write_payloads(payloads, world.deployment, f"{world.model}/1", frame, model, t1, prefix="a")
        shifted = frame.assign(tenure=frame["tenure"] + 25)
        write_payloads(
            payloads, world.deployment, f"{world.model}/1", shifted, model, t1 + timedelta(hours=1)
        )
        root.run_monitoring(world.deployment)
    return world


def audit_actions(server_url: str, world: World) -> list[tuple[str, str]]:
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    found = httpx.get(
        f"{server_url}/api/v1/audit",
        params={"target": world.deployment, "max_results": 1000},
        headers=headers,
    ).json()
    return [(e["action"], e["reason"]) for e in found["items"]]


def test_an_operator_rolls_back_through_the_page(
    signed_in_page: Any, server_url: str, traffic: World
) -> None:
    page = signed_in_page("olga")
    page.click("nav >> text=Deployments")
    page.wait_for_url("**/deployments")
    screenshot(page, "deployments-list")
    page.click(f"[data-testid=deployments] >> text={traffic.deployment}")
    page.wait_for_url(f"**/deployments/{traffic.deployment}")
    assert page.locator("[data-testid=live-chart] svg").count() == 1
    screenshot(page, "deployments-detail")
    rollback = page.locator("form:has([data-testid=rollback])")
    rollback.locator("input[name=reason]").fill("p99 doubled after the step up")
    with page.expect_event("dialog") as shown:  # the confirm() before the action
        rollback.locator("button").click()
    assert "Roll" in shown.value.message
    page.wait_for_load_state("load")
    assert "p99 doubled after the step up" in page.locator("[data-testid=history]").inner_text()
    routes = page.locator("[data-testid=routes]").inner_text()
    assert "90%" in routes and "10%" in routes  # revision 1's split is back
    assert ("deployment.rollback", "p99 doubled after the step up") in audit_actions(server_url, traffic)
    screenshot(page, "deployments-after-rollback")


def test_a_viewer_sees_no_action_and_the_monitoring_pages(signed_in_page: Any, traffic: World) -> None:
    page = signed_in_page("vic")
    page.goto(f"/deployments/{traffic.deployment}")
    assert page.locator("[data-testid=actions]").count() == 0
    assert page.locator("form[action$=rollback]").count() == 0
    with page.expect_response(lambda r: r.url.endswith(f"/deployments/{traffic.deployment}/live")) as live:
        pass  # console.js re-fills the live panel from its fragment every few seconds
    assert live.value.ok
    page.wait_for_function(
        "document.querySelector('[data-testid=live] [data-testid=live-chart] svg') !== null"
    )
    assert "stale" not in (page.locator("[data-testid=live]").get_attribute("class") or "")
    screenshot(page, "deployments-detail-viewer")
    page.click("nav >> text=Monitoring")
    page.wait_for_url("**/monitoring")
    screenshot(page, "deployments-monitoring-index")
    page.click(f"[data-testid=monitoring] >> text={traffic.deployment}")
    page.wait_for_url(f"**/monitoring/{traffic.deployment}")
    assert page.locator("[data-testid=chart-drift] svg").count() == 1
    assert page.locator("[data-testid=histograms] svg").count() == 1
    screenshot(page, "deployments-monitoring-detail")
