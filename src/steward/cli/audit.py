"""``steward audit``: read the audit trail of every change."""

from __future__ import annotations

import json as jsonlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli.options import JsonOption, MaxResultsOption, PageTokenOption, open_client
from steward.cli.output import cell, next_page, note, print_json, show, table
from steward.core.audit_export import check_format, export_lines
from steward.core.codec import audit_to_dict
from steward.core.errors import IntegrityError, InvalidInputError
from steward.core.governance_codec import alias_at_to_dict, chain_report_to_dict, deployment_at_to_dict
from steward.core.search import parse_time

app = typer.Typer(
    help="Read, verify and export the audit trail: who changed what, when, and why.", no_args_is_help=True
)

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


@app.command("verify")
def verify(
    ctx: typer.Context,
    from_seq: Annotated[
        int | None,
        typer.Option("--from-seq", metavar="SEQ", min=1, help="Start at this event, verified before."),
    ] = None,
    hash: Annotated[
        str | None, typer.Option("--hash", metavar="HASH", help="The hash event SEQ had when verified.")
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="Start from the checkpoint in FILE (if it exists) and store the new one there.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Recompute the audit hash chain; name the first edited, deleted, inserted or moved event (exit 6).

    With --checkpoint (or --from-seq and --hash) only the events after a verified one are read."""
    if checkpoint is not None:
        if from_seq is not None or hash is not None:
            raise InvalidInputError("Give --checkpoint FILE or --from-seq/--hash, not both.")
        from_seq, hash = read_checkpoint(checkpoint)
    with open_client(ctx) as client:
        report = client.verify_audit(from_seq=from_seq, expected_hash=hash)
    if report.ok and checkpoint is not None and report.last_seq:
        write_checkpoint(checkpoint, report.last_seq, report.last_hash)
    if json:
        print_json(chain_report_to_dict(report))
        if not report.ok:
            raise typer.Exit(6)
        return
    if not report.ok:
        raise IntegrityError(report.message)
    note(report.message)


@app.command("export")
def export(
    ctx: typer.Context,
    since: TimeOption = None,
    until: TimeOption = None,
    format: Annotated[str, typer.Option("--format", metavar="FORMAT", help="jsonl or csv.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout).")
    ] = None,
) -> None:
    """Write the events in [--since, --until) as JSON Lines or CSV, with their hashes."""
    fmt = check_format(format)
    start = parse_time(since, "--since time") if since else None
    end = parse_time(until, "--until time") if until else None
    with open_client(ctx) as client:
        lines = export_lines(client.export_audit(since=start, until=end), fmt)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
            return
        count = 0
        with open(output, "w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
                count += 1
    note(f"Wrote {count - (fmt == 'csv')} events to {output}.")


@app.command("at")
def at(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(metavar="[MODEL@ALIAS]", help="The alias, e.g. churn@champion.")
    ] = None,
    deployment: Annotated[
        str | None,
        typer.Option("--deployment", "-d", metavar="NAME", help="A deployment instead of an alias."),
    ] = None,
    time: Annotated[
        str, typer.Option("--time", metavar="TIME", help="ISO 8601, e.g. 2026-03-01T12:00Z.")
    ] = "",
    json: JsonOption = False,
) -> None:
    """What MODEL@ALIAS pointed to, or what --deployment served, at --time."""
    if not time:
        raise InvalidInputError("Give --time, e.g. --time 2026-03-01T12:00Z.")
    when = parse_time(time, "--time")
    if (ref is None) == (deployment is None):
        raise InvalidInputError("Give MODEL@ALIAS or --deployment NAME (one of them).")
    with open_client(ctx) as client:
        if deployment is not None:
            found = client.deployment_at(deployment, when)
            data = deployment_at_to_dict(found)
        else:
            data = alias_at_to_dict(client.alias_at_time(ref or "", when))
    if json:
        print_json(data)
        return
    if deployment is not None:
        revision = data["revision"]
        if revision is None:
            note(f"Deployment {deployment} did not exist yet at {when.isoformat()}.")
            return
        grid = table("route", "weight", "version then")
        for r in data["routes"]:
            grid.add_row(cell(r["ref"]), cell(r["weight"]), cell(r["version"]))
        for r in data["shadows"]:
            grid.add_row(cell(r["ref"]) + " (shadow)", "-", cell(r["version"]))
        show(grid)
        note(f"Revision {revision['revision']} by {revision['created_by']} at {revision['created_at']}.")
        return
    event = data["event"]
    if data["version"] is None:
        note(f"{ref} pointed nowhere at {when.isoformat()}.")
        return
    typer.echo(f"{data['model']}/{data['version']}")
    note(f"Set by {event['actor']} at {event['at']}" + (f": {event['reason']}" if event["reason"] else "."))


def read_checkpoint(path: Path) -> tuple[int | None, str | None]:
    """(seq, hash) stored in *path*; (None, None) when there is no file yet (a full verification)."""
    if not path.exists():
        return None, None
    try:
        data = jsonlib.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInputError(
            f"Cannot read the audit checkpoint {path} ({exc}); delete it to verify the whole chain."
        ) from None


def write_checkpoint(path: Path, seq: int, hash: str) -> None:
    """Store the last verified link in *path* (written whole, then renamed into place)."""
    partial = path.with_name(path.name + ".tmp")
    try:
        partial.write_text(jsonlib.dumps({"seq": seq, "hash": hash}) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise InvalidInputError(f"Cannot write the audit checkpoint {path}: {exc}.") from None
