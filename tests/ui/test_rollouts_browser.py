"""In Chromium: an operator follows the deployment page's Rollout link, reads the guardrails and
aborts the rollout (confirm dialog, reason); the champion serves alone and the audit has it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ui.conftest import World, screenshot

NAME = "roll-browser"


def test_an_operator_aborts_a_rollout_through_its_page(
    signed_in_page: Any, server_url: str, world: World
) -> None:
    with world.client("olga") as olga:
        olga.create_deployment(NAME, f"{world.model}@champion", reason="one route")
        olga.start_rollout(
            NAME, f"{world.model}/2", steps=(25, 100), every="10m", min_requests=50, max_p99_ms=200
        )
    page = signed_in_page("olga")
    page.goto(f"/deployments/{NAME}")
    page.click("[data-testid=rollout-link]")
    page.wait_for_url(f"**/deployments/{NAME}/rollout")
    assert page.locator("[data-testid=rollout-weight]").inner_text() == "25%"
    assert "p99 latency (ms)" in page.locator("[data-testid=guardrails]").inner_text()
    screenshot(page, "rollout-running")
    form = page.locator("form:has([data-testid=abort-rollout])")
    form.locator("input[name=reason]").fill("latency budget cut")
    with page.expect_event("dialog") as shown:
        form.locator("button").click()
    assert "Abort the rollout" in shown.value.message
    page.wait_for_load_state("load")
    assert "latency budget cut" in page.locator("[data-testid=rollout-history]").inner_text()
    assert page.locator("[data-testid=abort-rollout]").count() == 0
    screenshot(page, "rollout-aborted")
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    found = httpx.get(f"{server_url}/api/v1/deployments/{NAME}", headers=headers).json()
    assert [(r["ref"], r["weight"]) for r in found["spec"]["routes"]] == [(f"{world.model}@champion", 100.0)]
    audit = httpx.get(f"{server_url}/api/v1/audit", params={"target": NAME}, headers=headers).json()["items"]
    assert ("rollout.abort", "latency budget cut") in [(e["action"], e["reason"]) for e in audit]
