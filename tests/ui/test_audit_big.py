"""The audit viewer over a 10,000-event log: 50 rows a page, page 200, long unicode, layout, tampering."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from steward.app import Steward
from steward.core.audit import AuditEvent
from tests.ui.conftest import World, screenshot, sign_in

EXTRA = 10_000
LONG_TARGET = "модель-数据-" * 9 + "x@champion"  # 100 characters, no spaces to break on
LONG_REASON = "漂移检测" * 150


@pytest.fixture(scope="module")
def big_log(world: World) -> int:
    """10,000 more events in the real chain (one transaction); returns the log's size."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with Steward.open(world.settings()) as steward, steward.store.write() as tx:
        for i in range(EXTRA):
            long = i % 1000 == 0
            tx.audit.append(
                AuditEvent(
                    "alias.set",
                    "alias",
                    LONG_TARGET if long else f"model-{i % 37}@champion",
                    f"user-{i % 7}",
                    start + timedelta(minutes=i),
                    before={"version": i},
                    after={"version": i + 1, "note": LONG_REASON if long else ""},
                    reason=LONG_REASON if long else f"move {i}",
                )
            )
        head = tx.audit.head()
    assert head is not None
    return head.seq


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr id="event-(\d+)">', html)]


def test_pages_hold_fifty_rows_and_page_two_hundred_works(
    console: httpx.Client, world: World, big_log: int
) -> None:
    sign_in(console, world, "vic")
    first = console.get("/audit")
    assert f"{big_log} events verified" in first.text
    assert seqs(first.text) == list(range(big_log, big_log - 50, -1))
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    page = console.get("/audit", params={"page": "200"})
    assert page.status_code == 200
    expected = list(range(big_log - 199 * 50, big_log - 200 * 50, -1))
    assert seqs(page.text) == expected
    assert "page=199" in page.text and "page=201" in page.text
    last = console.get("/audit", params={"page": str((big_log + 49) // 50)})
    assert seqs(last.text)[-1] == 1 and 'rel="next"' not in last.text
    beyond = console.get("/audit", params={"page": "5000"})
    assert beyond.status_code == 200 and seqs(beyond.text) == [] and 'rel="prev"' in beyond.text


def test_filters_page_through_the_big_log(console: httpx.Client, world: World, big_log: int) -> None:
    sign_in(console, world, "vic")
    params = {"actor": "user-3", "target": "model-5", "since": "2026-01-02T00:00Z", "until": "2026-01-05"}
    found = seqs(console.get("/audit", params=params).text)
    assert found and len(found) <= 50
    assert found == sorted(found, reverse=True)
    within = [
        i for i in range(EXTRA) if i % 7 == 3 and i % 37 == 5 and i % 1000 != 0 and 24 * 60 <= i < 4 * 24 * 60
    ]
    first_extra_seq = big_log - EXTRA + 1
    assert found == [first_extra_seq + i for i in reversed(within)][:50]


def test_the_long_unicode_rows_do_not_stretch_the_page(
    signed_in_page: Any, world: World, big_log: int
) -> None:
    page = signed_in_page("vic")
    page.goto("/audit?target=" + "модель-数据-" * 9 + "x")
    assert page.locator("[data-testid=audit] tbody tr").count() == EXTRA // 1000
    page.locator("[data-testid=audit] td.change details").first.click()
    page.locator("[data-testid=audit] details.long").first.click()
    screenshot(page, "audit-long-unicode")
    fits = page.evaluate(
        "() => { const t = document.querySelector('[data-testid=audit]');"
        " return t.scrollWidth <= t.parentElement.clientWidth + 1 }"
    )
    assert fits, "the audit table is wider than the page"
    page.goto("/audit?page=200")
    assert page.locator("[data-testid=audit] tbody tr").count() == 50
    screenshot(page, "audit-page-200")


def test_an_edited_event_breaks_the_chain_and_the_page_names_it(
    console: httpx.Client, world: World, big_log: int
) -> None:
    victim = big_log - 1234
    with sqlite3.connect(world.folder / "console.db") as db:
        db.execute("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = ?", (victim,))
    sign_in(console, world, "vic")
    html = console.get("/audit", params={"verify": "now"}).text
    assert f"The audit chain is broken at event #{victim}" in html
    assert "chain broken" in html and "was edited" in html
    assert f'href="/audit?upto={victim}"' in html
    assert seqs(console.get("/audit", params={"upto": str(victim)}).text)[0] == victim
