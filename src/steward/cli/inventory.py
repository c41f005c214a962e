"""``steward inventory``: every model with owner, risk tier, card status, servers and overdue reviews."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.cli.card import write_text
from steward.cli.options import open_client
from steward.cli.output import cell, show, table
from steward.core.inventory import render_inventory


def inventory(
    ctx: typer.Context,
    format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="table (default), csv or json.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout).")
    ] = None,
    review_days: Annotated[
        int, typer.Option("--review-days", metavar="N", help="An approved card older than N days is overdue.")
    ] = 365,
    pending_days: Annotated[
        int, typer.Option("--pending-days", metavar="N", help="An approval pending over N days is overdue.")
    ] = 14,
) -> None:
    """Every model: owner, risk tier, card, servers, last validation, open findings, overdue reviews."""
    if format != "table":
        render_inventory([], format)  # refuse an unknown format before reading anything
    with open_client(ctx) as client:
        rows = client.inventory(review_days=review_days, pending_days=pending_days)
    if format != "table":
        write_text(render_inventory(rows, format), output)
        return
    grid = table(
        "model", "owner", "risk", "latest", "card", "served by", "validated (UTC)", "findings", "overdue"
    )
    for r in rows:
        grid.add_row(
            cell(r.model),
            cell(r.owner),
            cell(r.risk_tier),
            cell(r.latest_version),
            cell(r.card_status),
            cell(", ".join(r.aliases + r.deployments)),
            cell(r.last_validated_at),
            cell(f"{r.open_findings} open ({r.worst_open_finding})" if r.open_findings else "none open"),
            cell("; ".join(r.overdue_reviews)),
        )
    show(grid)
