"""The issue's end-to-end story in Chromium: sign in, find a model, open a version, approve its
request, roll back a deployment, and see both entries appear at the top of the audit log."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import World, screenshot


def audit_top(page: Any, rows: int) -> list[tuple[str, str, str]]:
    """(actor, action, target) of the newest *rows* events on the audit page."""
    page.goto("/audit")
    found = []
    for row in page.locator("[data-testid=audit] tbody tr").all()[:rows]:
        cells = row.locator("td")
        found.append(tuple(cells.nth(i).inner_text().strip() for i in (2, 3, 4)))
    return found  # type: ignore[return-value]


def test_the_whole_story(signed_in_page: Any, world: World) -> None:
    # A reviewer signs in, finds the model and opens the version waiting for approval.
    bob = signed_in_page("bob")
    bob.fill("input[name=q]", world.model)
    bob.click("form.filters button")
    bob.wait_for_url("**/?q=*")
    screenshot(bob, "story-1-catalog")
    bob.click(f"[data-testid=catalog] a[href='/models/{world.model}']")
    bob.wait_for_url(f"**/models/{world.model}")
    screenshot(bob, "story-2-model")
    bob.click(f"main a[href='/models/{world.model}/versions/2']")
    bob.wait_for_url(f"**/models/{world.model}/versions/2")
    assert "v2" in bob.get_by_test_id("version-title").inner_text()
    assert "pending" in bob.get_by_test_id("approvals").inner_text()
    screenshot(bob, "story-3-version")

    # ... and approves it from the inbox (the confirm dialog is accepted).
    bob.goto("/approvals")
    request = bob.locator(f"[data-testid=open-approvals] #request-{world.approval_id}")
    form = request.locator(f"form[action='/approvals/{world.approval_id}/approve']")
    form.locator("input[name=comment]").fill("Holdout recall is up; approved")
    form.get_by_test_id(f"approve-{world.approval_id}").click()
    bob.wait_for_url(f"**/approvals#request-{world.approval_id}")
    assert (
        "approved"
        in bob.locator(f"[data-testid=decided-approvals] #request-{world.approval_id}").inner_text()
    )
    screenshot(bob, "story-4-approved")

    # An operator rolls the deployment back to its previous revision.
    olga = signed_in_page("olga")
    olga.goto(f"/deployments/{world.deployment}")
    rollback = olga.locator("form:has([data-testid=rollback])")
    rollback.locator("input[name=reason]").fill("error rate up after the step")
    rollback.locator("button").click()
    olga.wait_for_load_state("load")
    assert "error rate up after the step" in olga.get_by_test_id("history").inner_text()
    screenshot(olga, "story-5-rolled-back")

    # Both changes are the newest entries of the audit log, with their actors.
    top = audit_top(olga, 2)
    assert top[0][:2] == ("olga", "deployment.rollback") and top[0][2].startswith(world.deployment)
    assert top[1][:2] == ("bob", "approval.approve") and top[1][2].startswith(f"{world.model}/2")
    screenshot(olga, "story-6-audit")
