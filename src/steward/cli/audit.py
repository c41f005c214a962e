"""``steward audit``: read the audit trail of every change."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from steward.cli.options import JsonOption, MaxResultsOption, PageTokenOption, open_client
from steward.cli.output import cell, next_page, print_json, show, table
from steward.core.codec import audit_to_dict
from steward.core.search import parse_time

app = typer.Typer(help="Read the audit trail: who changed what, when, and why.", no_args_is_help=True)

TimeOption = Annotated[
    str | None, typer.Option(metavar="TIME", help="ISO 8601 time, e.g. 2026-01-31 or 2026-01-31T12:00Z.")
]


@app.command("list")
def list_events(
    ctx: typer.Context,
    *,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", metavar="TARGET", help="Only events on this target: churn, churn/3, churn@champion."
        ),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action", metavar="ACTION", help="Only this action: model.create, version.register, alias.set …"
        ),
    ] = None,
    since: TimeOption = None,
    until: TimeOption = None,
    max_results: MaxResultsOption = 100,
    page_token: PageTokenOption = None,
    json: JsonOption = False,
) -> None:
    """List audit events, oldest first, optionally for one target, action or time range."""
    start = parse_time(since, "--since time") if since else None
    end = parse_time(until, "--until time") if until else None
    with open_client(ctx) as client:
        page = client.audit(
            target=target,
            action=action,
            since=start,
            until=end,
            max_results=max_results,
            page_token=page_token,
        )
    if json:
        print_json({"items": [audit_to_dict(e) for e in page.items], "next_page_token": page.next_page_token})
        return
    grid = table("#", "time (UTC)", "actor", "action", "target", "change", "reason")
    for event in page.items:
        grid.add_row(
            cell(event.seq),
            cell(event.at),
            cell(event.actor),
            cell(event.action),
            cell(event.target),
            cell(_change(event.before, event.after)),
            cell(event.reason),
        )
    show(grid)
    next_page(page.next_page_token)


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``version: 1 -> 2``: the fields that differ (all of *after* for a creation)."""
    before, after = before or {}, after or {}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in before:
            parts.append(f"{key}: {_short(old)} -> {_short(new)}")
        else:
            parts.append(f"{key}: {_short(new)}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = "-" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"
