"""``steward findings``: open a finding on a version, close it with a resolution, list them."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, print_json, show, table
from steward.core.finding import Finding, finding_to_dict

app = typer.Typer(
    help="Findings on versions (reviewers): open, close with a resolution, list.", no_args_is_help=True
)


@app.command("open")
def open_finding(
    ctx: typer.Context,
    *,
    ref: Annotated[str, typer.Argument(metavar="MODEL/VERSION", help="The version, e.g. churn/7.")],
    title: Annotated[str, typer.Option("--title", "-t", metavar="TEXT", help="What is wrong, in a line.")],
    severity: Annotated[
        str, typer.Option("--severity", "-s", metavar="LEVEL", help="low, medium, high or critical.")
    ],
    description: Annotated[
        str, typer.Option("--description", "-d", metavar="TEXT", help="The details.")
    ] = "",
    json: JsonOption = False,
) -> None:
    """Open a finding on MODEL/VERSION; policies with a findings gate refuse it while it is open."""
    with open_client(ctx) as client:
        found = client.open_finding(ref, title, severity=severity, description=description)
    _report([found], json)


@app.command("close")
def close_finding(
    ctx: typer.Context,
    *,
    finding_id: Annotated[int, typer.Argument(metavar="ID", help="The finding's id (findings list).")],
    resolution: Annotated[
        str,
        typer.Option("--resolution", "-r", metavar="TEXT", help="What was done, or why it is accepted."),
    ],
    json: JsonOption = False,
) -> None:
    """Close finding ID with a resolution."""
    with open_client(ctx) as client:
        closed = client.close_finding(finding_id, resolution=resolution)
    _report([closed], json)


@app.command("list")
def list_findings(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(metavar="[REF]", help="A version (churn/7), a model (churn), or all.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", metavar="STATUS", help="Only open or closed findings.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Findings with their severity, status and resolution."""
    with open_client(ctx) as client:
        found = client.findings(ref, status=status)
    _report(found, json)


def _report(findings: list[Finding], json: bool) -> None:
    if json:
        print_json({"items": [finding_to_dict(f) for f in findings]})
        return
    grid = table("id", "version", "severity", "status", "title", "opened by", "closed by", "resolution")
    for f in findings:
        grid.add_row(
            cell(f.id), cell(f.ref), cell(f.severity.value), cell(f.status.value), cell(f.title),
            cell(f.opened_by), cell(f.closed_by or ""), cell(f.resolution or ""),
        )  # fmt: skip
    show(grid)
