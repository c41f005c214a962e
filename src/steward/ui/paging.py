"""Pagination for console tables: a page number from the query string, bounded, and its links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request

from steward.core.errors import InvalidInputError

PAGE_SIZE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Paging:
    """Which slice of a listing to show; ``has_next`` is known once the page is read (size + 1 rows)."""

    number: int
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def fetch(self) -> int:
        """Rows to read: one more than a page, to learn whether a next page exists."""
        return self.size + 1


def paging_of(request: Request, size: int = PAGE_SIZE) -> Paging:
    raw = request.query_params.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        raise InvalidInputError(f"page must be a whole number, not {raw[:20]!r}.") from None
    if not 1 <= number <= MAX_PAGE:
        raise InvalidInputError(f"page must be between 1 and {MAX_PAGE}.")
    return Paging(number, size)


@dataclass(frozen=True)
class PageLinks:
    number: int
    prev_url: str | None
    next_url: str | None


def page_links(request: Request, paging: Paging, has_next: bool) -> PageLinks:
    """Links to the previous and next pages, keeping the other query parameters."""

    def url(number: int) -> str:
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        params["page"] = str(number)
        return f"{request.url.path}?{urlencode(params)}"

    return PageLinks(
        paging.number,
        url(paging.number - 1) if paging.number > 1 else None,
        url(paging.number + 1) if has_next else None,
    )
