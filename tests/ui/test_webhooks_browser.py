"""In Chromium: an admin adds a webhook whose receiver is down, sees the failed delivery highlighted
with its next retry, and sees it delivered once the receiver (a real one on a loopback port) is up;
screenshots of the webhooks, delivery log and events pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.receiver import Receiver
from tests.ui.conftest import World, screenshot
from tests.ui.test_webhooks import dispatcher  # noqa: F401 - the delivery thread, autouse


def reload_until(page: Any, check: Callable[[], bool], what: str, limit: float = 90.0) -> None:
    """Reload *page* until *check* holds; a bound against hanging, not a timing assertion."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.3)
        page.reload()


def test_a_failed_delivery_shows_until_the_receiver_comes_back(signed_in_page: Any, world: World) -> None:
    receiver = Receiver()  # its port is chosen, nothing listens on it yet: the receiver is down
    page = signed_in_page("root")
    page.click("nav >> text=Webhooks")
    page.wait_for_url("**/webhooks")
    form = page.locator("[data-testid=add-form]")
    form.locator("input[name=url]").fill(receiver.url)
    form.locator("input[name=events]").fill("model.created")
    form.locator("input[name=reason]").fill("the retention team's receiver")
    with page.expect_event("dialog") as shown:  # the confirm() before the action
        form.locator("button").click()
    assert "Deliver these events" in shown.value.message
    page.wait_for_load_state("load")
    secret = page.locator("[data-testid=secret]").inner_text()
    assert secret.startswith("whsec_")
    screenshot(page, "webhooks-added")
    page.click("text=Its delivery log")
    hook_url = page.url
    assert "/webhooks/" in hook_url and secret not in page.content()

    with world.client("alice") as alice:
        alice.create_model("delivered-after-the-outage")
    pending = page.locator("[data-testid=deliveries] tr.failed.pending")
    reload_until(page, lambda: pending.count() > 0, "a failed attempt")
    row = pending.first.inner_text()
    assert "failed" in row and "waiting for retry" in row and "ConnectError" in row
    assert page.locator("h1 .badge").inner_text().startswith("retrying")
    screenshot(page, "webhooks-delivery-failed")
    page.click("nav >> text=Webhooks")
    assert page.locator("[data-testid=webhooks] tr.failing").count() == 1
    assert "ConnectError" in page.locator("[data-testid=webhooks]").inner_text()
    screenshot(page, "webhooks-list-failing")

    receiver.start()
    try:
        page.goto(hook_url)
        delivered = page.locator("[data-testid=deliveries] tr.delivered")
        reload_until(page, lambda: delivered.count() > 0, "the retry to be delivered")
        assert "HTTP 200" in delivered.first.inner_text()
        assert page.locator("tr.pending").count() == 0  # the failures stay in the log, settled
        assert page.locator("[data-testid=deliveries] tr.failed").count() >= 1
        assert [r.body["subject"] for r in receiver.accepted()] == ["delivered-after-the-outage"]
        screenshot(page, "webhooks-delivered")
    finally:
        receiver.stop()

    page.click("nav >> text=Events")
    page.fill("input[name=types]", "model.*")
    page.click("form[role=search] button")
    page.wait_for_url("**/events?types=*")
    events = page.locator("[data-testid=events]").inner_text()
    assert "delivered-after-the-outage" in events and "deployment.changed" not in events
    screenshot(page, "events")
