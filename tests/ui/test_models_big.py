"""A model with 10,000 versions: its page shows 50 a page, newest first, with working page links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from steward.core.audit import AuditEvent
from steward.core.registry import VersionDraft
from steward.store import open_store
from tests.ui.conftest import World, sign_in

BIG = "big"
COUNT = 10_000
MOVES = 60


@pytest.fixture(scope="module")
def big(world: World) -> str:
    """10,000 versions of one model, inserted through the store in large transactions (setup only)."""
    with world.client("alice") as alice:
        digest = alice.get(f"{world.model}/1").artifact_digest
        alice.create_model(BIG, description="Ten thousand versions")
    store = open_store(world.uri)
    start = datetime.now(UTC) - timedelta(days=1)
    try:
        for first in range(0, COUNT, 5000):
            with store.write() as tx:
                for i in range(first, first + 5000):
                    at = start + timedelta(seconds=i)
                    draft = VersionDraft(
                        model=BIG,
                        artifact_digest=digest,
                        flavor="sklearn",
                        metrics={"auc": (i % 997) / 997, "log_loss": 1 + (i % 13) / 13},
                    )
                    number = tx.models.allocate_version(BIG, at)
                    version = tx.models.insert_version(draft, version=number, created_by="bulk", at=at)
                    tx.audit.append(AuditEvent("version.register", "version", version.ref, "bulk", at))
    finally:
        store.close()
    with world.client("olga") as olga:
        for number in range(1, MOVES + 1):  # 60 moves: the model page lists 10, the alias page 50 a page
            olga.set_alias(BIG, "challenger", number, reason=f"try {number}")
        for number in (10, 5000, COUNT):
            olga.set_alias(BIG, "champion", number, reason=f"step {number}")
    return BIG


def version_numbers(html: str) -> list[int]:
    table = html.split('data-testid="versions"')[1].split("</table>", maxsplit=1)[0]
    return [int(n) for n in re.findall(r'/versions/(\d+)">v\d+</a>', table)]


def test_a_model_with_ten_thousand_versions_pages_newest_first(
    console: httpx.Client, world: World, big: str
) -> None:
    sign_in(console, world, "vic")
    first = console.get(f"/models/{big}")
    assert first.status_code == 200
    assert version_numbers(first.text) == list(range(COUNT, COUNT - 50, -1))
    assert f'href="/models/{big}?page=2" rel="next"' in first.text
    assert "champion → v10000" in first.text and "step 5000" in first.text
    last = console.get(f"/models/{big}", params={"page": COUNT // 50})
    assert version_numbers(last.text) == list(range(50, 0, -1))
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text
    beyond = console.get(f"/models/{big}", params={"page": COUNT // 50 + 1})
    assert beyond.status_code == 200 and "No versions on this page" in beyond.text


def test_the_best_metric_of_each_column_is_highlighted_on_the_page(
    console: httpx.Client, world: World, big: str
) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{big}", params={"page": 3}).text
    numbers = version_numbers(page)
    auc = [((n - 1) % 997) / 997 for n in numbers]
    loss = [1 + ((n - 1) % 13) / 13 for n in numbers]
    best_cells = re.findall(r'<td class="num best">([^<]+)</td>', page)
    assert f"{max(auc):.4g}" in best_cells  # higher is better
    assert f"{min(loss):.4g}" in best_cells  # a loss: lower is better
    assert f"{max(loss):.4g}" not in best_cells


def test_the_alias_moves_page_through_every_move(console: httpx.Client, world: World, big: str) -> None:
    sign_in(console, world, "vic")
    model = console.get(f"/models/{big}").text
    moves = model.split('data-testid="alias-moves"')[1].split("</table>", maxsplit=1)[0]
    assert moves.count("<tr>") == 1 + 10  # header and the 10 latest
    assert f'href="/models/{big}/aliases" data-testid="all-moves">All {MOVES + 3} alias moves' in model
    first = console.get(f"/models/{big}/aliases")
    assert first.status_code == 200 and first.text.count("<td>olga</td>") == 50
    assert "step 10000" in first.text and 'rel="next"' in first.text
    second = console.get(f"/models/{big}/aliases", params={"page": 2}).text
    assert second.count("<td>olga</td>") == MOVES + 3 - 50 and "try 1<" in second
    assert "No alias moves on this page." in console.get(f"/models/{big}/aliases?page=3").text
    assert console.get("/models/nope/aliases").status_code == 404
