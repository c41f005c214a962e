"""In Chromium: open a model from the catalog, compare two versions, open a version, move an alias."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import World, screenshot
from tests.ui.test_models import Extra, extra

__all__ = ["extra"]  # the module-scoped fixture with validation, explanations, a card and a long name


def test_model_compare_and_version_pages(signed_in_page: Any, world: World, extra: Extra) -> None:
    page = signed_in_page("vic")
    page.click(f"[data-testid=catalog] a[href='/models/{world.model}']")
    page.wait_for_url(f"**/models/{world.model}")
    assert page.get_by_test_id("model-name").inner_text() == world.model
    assert page.locator("[data-testid=versions] tbody tr").count() == 2
    assert page.locator("[data-testid=alias-timeline] svg").count() == 1
    screenshot(page, "registry-model")
    page.click("[data-testid=compare-form] button")
    page.wait_for_url("**/compare?a=1&b=2")
    assert "Compare v1 and v2" in page.locator("h1").inner_text()
    screenshot(page, "registry-compare")
    page.click("h1 a:has-text('v2')")
    page.wait_for_url(f"**/models/{world.model}/versions/2")
    assert page.locator("[data-testid=lineage] svg").count() == 1
    assert page.locator("[data-testid=explanation-charts] svg").count() == 2
    assert page.locator("[data-testid=actions]").count() == 0  # a viewer
    screenshot(page, "registry-version")
    page.goto(f"/models/{extra.long}")
    screenshot(page, "registry-model-long-name")
    page.goto(f"/models/{extra.long}/versions/1")
    screenshot(page, "registry-version-empty")


def test_an_operator_moves_an_alias_in_the_browser(signed_in_page: Any, world: World, extra: Extra) -> None:
    page = signed_in_page("olga")
    page.goto(f"/models/{world.model}/versions/2")
    form = page.get_by_test_id("move-alias")
    form.locator("input[name=alias]").fill("challenger")
    form.locator("input[name=reason]").fill("canary looks good")
    screenshot(page, "registry-version-operator")
    form.locator("button").click()  # the confirm() dialog is accepted by the fixture
    page.wait_for_load_state()
    assert "challenger" in page.locator("h1").inner_text()
    form = page.get_by_test_id("move-alias")
    form.locator("input[name=reason]").fill("promote")
    form.locator("button").click()  # champion is guarded by a policy: two approvals needed
    page.wait_for_selector("[data-testid=unmet-gates]")
    screenshot(page, "registry-policy-refused")
