"""In Chromium: a reviewer approves a request from the inbox and finds the entry atop the audit log;
the policies, policy check and users pages as their readers see them."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import World, screenshot

POLICY = """
name: production
description: What may serve as champion on the churn model.
aliases: [champion]
models: [churn]
gates:
  approvals: {role: reviewer, quorum: 1}
  risk_tier: {tag: risk_tier, allowed: [low, medium]}
  model_card: {status: approved}
"""


def test_a_reviewer_approves_from_the_inbox_and_sees_it_in_the_audit_log(
    signed_in_page: Any, world: World
) -> None:
    page = signed_in_page("bob")
    page.click("header.top nav >> text=Approvals")
    page.wait_for_url("**/approvals")
    row = page.locator(f"[data-testid=open-approvals] #request-{world.approval_id}")
    assert "better recall" in row.inner_text()
    screenshot(page, "approvals-inbox")

    approve = row.locator(f"form[action='/approvals/{world.approval_id}/approve']")
    approve.locator("input[name=comment]").fill("Recall is up and calibration holds")
    approve.get_by_test_id(f"approve-{world.approval_id}").click()  # confirm() is accepted
    page.wait_for_url(f"**/approvals#request-{world.approval_id}")
    decided = page.locator(f"[data-testid=decided-approvals] #request-{world.approval_id}")
    assert "approved" in decided.inner_text()
    assert "Recall is up and calibration holds" in decided.inner_text()
    assert page.get_by_text("Nothing waits for a decision.").is_visible()
    screenshot(page, "approvals-decided")

    page.click("header.top nav >> text=Audit")
    page.wait_for_url("**/audit")
    assert "The audit chain is intact" in page.get_by_test_id("chain").inner_text()
    top = page.locator("[data-testid=audit] tbody tr").first
    cells = top.locator("td")
    assert cells.nth(2).inner_text().strip() == "bob"
    assert cells.nth(3).inner_text().strip() == "approval.approve"
    assert cells.nth(4).inner_text().startswith(f"{world.model}/2")
    assert "Recall is up" in cells.nth(5).inner_text()
    top.locator("summary").click()
    assert '"decision": "approve"' in top.locator("pre").nth(1).inner_text()
    screenshot(page, "audit")


def test_policy_check_shows_every_gate_and_the_viewer_has_no_buttons(
    signed_in_page: Any, world: World
) -> None:
    with world.client("root") as admin:
        admin.publish_policy(POLICY)
    page = signed_in_page("vic")
    page.goto("/approvals")
    assert page.locator("main form[method=post]").count() == 0
    screenshot(page, "approvals-viewer")
    page.goto("/policies")
    page.locator("[data-testid=policies] summary").first.click()
    assert "quorum: 1" in page.get_by_test_id("policy-source").first.inner_text()
    screenshot(page, "policies")
    page.goto("/policies/check")
    page.fill("input[name=ref]", f"{world.model}/2")
    page.fill("input[name=alias]", "champion")
    page.click("form.filters button")
    page.wait_for_url("**/policies/check?ref=*")
    gates = page.locator("[data-testid=gates] tbody tr")
    assert gates.count() == 3
    outcome = {g.locator("td").nth(1).inner_text(): g.locator("td").first.inner_text() for g in gates.all()}
    assert outcome["risk_tier"] == "pass" and outcome["model_card"] == "fail"
    assert "unmet" in page.get_by_test_id("verdict").inner_text()
    screenshot(page, "policy-check")


def test_the_admin_sees_users_and_roles(signed_in_page: Any, world: World) -> None:
    page = signed_in_page("root")
    page.goto("/users")
    assert page.locator("[data-testid=users] tbody tr").count() >= 6
    screenshot(page, "users")
    page.goto("/approvals")
    form = page.locator("form.request-form")
    if not form.is_visible():
        page.click("details.request-approval summary")
    form.locator("input[name=ref]").fill(f"{world.model}/1")
    form.locator("input[name=target]").fill("challenger")
    form.locator("input[name=reason]").fill("the steady one, as a fallback")
    screenshot(page, "approvals-request-form")
    page.get_by_test_id("request-approval").click()
    page.wait_for_url("**/approvals#request-*")
    mine = page.locator("[data-testid=open-approvals] tbody tr").last
    assert "the steady one" in mine.inner_text()
    assert "separation of duties" in mine.inner_text()  # root asked, so root may not decide
    screenshot(page, "approvals-requested")
