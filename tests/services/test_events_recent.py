"""The event stream read backwards (the console's events page), on SQLite and PostgreSQL: newest
first, filtered by type, paged with ``before``; a page reads a bounded number of audit events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import steward.services.events as module
from steward.app import Steward
from steward.core.errors import InvalidInputError
from steward.settings import Settings


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[Steward]:
    settings = Settings.resolve(
        store_url, artifacts=str(tmp_path / "artifacts"), actor="root", env={"STEWARD_HOME": str(tmp_path)}
    )
    with Steward.open(settings) as opened:
        for n in range(12):  # model.created and model.updated, alternating
            opened.registry.create_model(f"m{n:02d}", actor="root")
            opened.registry.update_model(f"m{n:02d}", actor="root", description=f"model {n}")
        yield opened


def every_page(app: Steward, types: str | None, limit: int) -> list[list[int]]:
    pages, before = [], None
    while True:
        found = app.events.recent(before=before, types=types, limit=limit)
        pages.append([e.seq for e in found.events])
        if found.older is None:
            return pages
        before = found.older


def test_newest_first_filtered_and_paged_without_gaps_or_repeats(app: Steward) -> None:
    everything = [e.seq for e in app.events.list(after=0, limit=1000)]
    created = [e.seq for e in app.events.list(after=0, types="model.created", limit=1000)]
    assert len(created) == 12
    assert [s for page in every_page(app, None, 5) for s in page] == everything[::-1]
    pages = every_page(app, "model.created", 5)
    assert [s for page in pages for s in page] == created[::-1]
    assert all(len(page) == 5 for page in pages[:2])
    latest = app.events.recent(types="model.*", limit=3).events
    assert [e.type for e in latest] == ["model.updated", "model.created", "model.updated"]


def test_a_page_reads_a_bounded_stretch_and_says_where_to_go_on(
    app: Steward, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "SCAN", 4)
    monkeypatch.setattr(module, "RECENT_SCAN_MAX", 8)
    created = [e.seq for e in app.events.list(after=0, types="model.created", limit=1000)]
    first = app.events.recent(types="model.created", limit=50)
    assert len(first.events) == 4 and first.older is not None  # 8 events read, 4 of them matching
    pages = every_page(app, "model.created", 50)
    assert [s for page in pages for s in page] == created[::-1]


@pytest.mark.parametrize(
    "kwargs", [{"before": 0}, {"before": -3}, {"before": True}, {"limit": 0}, {"types": "nope.*"}]
)
def test_bad_arguments_are_refused(app: Steward, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        app.events.recent(**kwargs)  # type: ignore[arg-type]
