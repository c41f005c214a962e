"""In Chromium: sign in through the form and find a model from the catalog's search box."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import World, screenshot


def test_sign_in_and_find_a_model(signed_in_page: Any, world: World) -> None:
    page = signed_in_page("vic")
    assert page.get_by_test_id("user").inner_text() == "vic"
    screenshot(page, "catalog")
    page.fill("input[name=q]", world.model[:3])
    page.click("form.filters button")
    page.wait_for_url("**/?q=*")
    rows = page.locator("[data-testid=catalog] tbody tr")
    assert rows.count() == 1
    assert world.model in rows.first.inner_text()
    screenshot(page, "catalog-search")
