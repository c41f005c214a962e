"""``steward alias``: point a name like ``champion`` at a version, move it back, read its history."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from steward.cli.options import JsonOption, ReasonOption, open_client
from steward.cli.output import cell, print_json, show, table
from steward.core.codec import alias_event_to_dict
from steward.core.registry import AliasEvent, check_alias, check_model_name, check_version_number
from steward.core.search import parse_time

app = typer.Typer(help="Move, delete and roll back aliases; read their history.", no_args_is_help=True)

ModelArg = Annotated[str, typer.Argument(metavar="MODEL", help="The model's name.", show_default=False)]
AliasArg = Annotated[
    str, typer.Argument(metavar="ALIAS", help="The alias, e.g. champion.", show_default=False)
]


@app.command("set")
def set_alias(
    ctx: typer.Context,
    *,
    model: ModelArg,
    alias: AliasArg,
    version: Annotated[
        str, typer.Argument(metavar="VERSION", help="The version number to point at.", show_default=False)
    ],
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Point ALIAS of MODEL at VERSION (moving it if it points elsewhere)."""
    _check(model, alias)
    number = check_version_number(version)
    with open_client(ctx) as client:
        event = client.set_alias(model, alias, number, reason=reason)
    _report(event, json)


@app.command("delete")
def delete_alias(
    ctx: typer.Context, model: ModelArg, alias: AliasArg, reason: ReasonOption = "", json: JsonOption = False
) -> None:
    """Remove ALIAS from MODEL; its history is kept."""
    _check(model, alias)
    with open_client(ctx) as client:
        event = client.delete_alias(model, alias, reason=reason)
    _report(event, json)


@app.command("rollback")
def rollback(
    ctx: typer.Context, model: ModelArg, alias: AliasArg, reason: ReasonOption = "", json: JsonOption = False
) -> None:
    """Move ALIAS back to the version it pointed to before its last move."""
    _check(model, alias)
    with open_client(ctx) as client:
        event = client.rollback_alias(model, alias, reason=reason)
    _report(event, json)


@app.command("history")
def history(
    ctx: typer.Context,
    *,
    model: ModelArg,
    alias: Annotated[
        str | None, typer.Argument(metavar="ALIAS", help="Only this alias (default: all).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Every move of MODEL's aliases (or of one alias), oldest first."""
    _check(model, alias)
    with open_client(ctx) as client:
        events = client.alias_history(model, alias)
    if json:
        print_json([alias_event_to_dict(e) for e in events])
        return
    show(history_table(events, title=f"Alias history of {model}"))


@app.command("at")
def at(
    ctx: typer.Context,
    *,
    model: ModelArg,
    alias: AliasArg,
    time: Annotated[
        str,
        typer.Argument(
            metavar="TIME", help="An ISO 8601 time, e.g. 2026-01-31T12:00:00Z.", show_default=False
        ),
    ],
    json: JsonOption = False,
) -> None:
    """Which version ALIAS pointed to at TIME (UTC unless the time says otherwise)."""
    _check(model, alias)
    instant = parse_time(time, "time")
    with open_client(ctx) as client:
        version = client.alias_at(model, alias, instant)
    if json:
        print_json({"model": model, "alias": alias, "at": instant.isoformat(), "version": version})
        return
    if version is None:
        show(f"{cell(model)}@{cell(alias)} pointed to no version at {cell(instant)}.")
    else:
        show(
            f"{cell(model)}@{cell(alias)} pointed to [bold]{cell(model)}/{version}[/bold] at {cell(instant)}."
        )


def history_table(events: list[AliasEvent], title: str | None = None) -> Table:
    grid = table("#", "time (UTC)", "alias", "from", "to", "actor", "reason", title=title)
    for event in events:
        grid.add_row(
            cell(event.seq),
            cell(event.at),
            cell(event.alias),
            cell(event.previous_version),
            cell(event.version if event.version is not None else "(deleted)"),
            cell(event.actor),
            cell(event.reason),
        )
    return grid


def _check(model: str, alias: str | None) -> None:
    check_model_name(model)
    if alias is not None:
        check_alias(alias)


def _report(event: AliasEvent, json: bool) -> None:
    if json:
        print_json(alias_event_to_dict(event))
        return
    target = f"{event.model}@{event.alias}"
    before = f"was {event.model}/{event.previous_version}" if event.previous_version else "was unset"
    if event.version is None:
        show(f"Deleted [bold]{cell(target)}[/bold] ({cell(before)}).")
    else:
        show(f"[bold]{cell(target)}[/bold] -> {cell(event.model)}/{event.version} ({cell(before)}).")
