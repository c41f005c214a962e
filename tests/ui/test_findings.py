"""Findings in the console: the version page lists them, open and closed; the catalog counts open ones."""

from __future__ import annotations

import httpx

from tests.ui.conftest import World, sign_in


def test_findings_show_on_the_version_page_and_in_the_catalog(console: httpx.Client, world: World) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{world.model}/versions/2").text
    assert "No findings raised on this version." in page
    catalog = console.get("/").text
    assert 'data-testid="open-findings"' not in catalog

    with world.client("bob") as bob:
        high = bob.open_finding(f"{world.model}/2", "Recall drops for new customers <b>", severity="high")
        low = bob.open_finding(f"{world.model}/2", "Threshold not documented", severity="low")
        bob.close_finding(low.id, resolution="Documented in the card")

    page = console.get(f"/models/{world.model}/versions/2").text
    rows = page.split('data-testid="findings"')[1].split("</table>")[0]
    assert f"#{high.id} Recall drops for new customers &lt;b&gt;" in rows  # escaped
    assert f"#{low.id} Threshold not documented" in rows and "Documented in the card" in rows
    assert rows.count(">open<") == 1 and rows.count(">closed<") == 1
    row = next(r for r in console.get("/").text.split("<tr") if f">{world.model}<" in r)
    assert "1 open finding (high)" in row  # the closed one is not counted
