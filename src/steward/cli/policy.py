"""``steward policy``: publish policies as code, list them, check a version, override (admins)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, note, print_json, show, table
from steward.core.codec import alias_event_to_dict
from steward.core.errors import InvalidInputError
from steward.core.governance_codec import check_to_dict, policy_to_dict
from steward.core.policy import KNOWN_GATES

GATES = sorted(KNOWN_GATES)

app = typer.Typer(
    help="Publish policies (YAML) that guard aliases and environments; check versions against them.",
    no_args_is_help=True,
)


@app.command("publish")
def publish(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The policy's YAML file.", show_default=False)],
    json: JsonOption = False,
) -> None:
    """Publish FILE as the next immutable version of the policy it names."""
    with open_client(ctx) as client:
        policy = client.publish_policy(file)
    if json:
        print_json(policy_to_dict(policy))
        return
    guarded = ", ".join(policy.document.targets)
    note(f"Published policy {policy.name} version {policy.version}, guarding {guarded}.")


@app.command("list")
def list_policies(ctx: typer.Context, json: JsonOption = False) -> None:
    """The policies in force: the newest version of each."""
    with open_client(ctx) as client:
        found = client.policies()
    if json:
        print_json({"items": [policy_to_dict(p) for p in found]})
        return
    grid = table("name", "version", "aliases", "models", "gates", "published by", "published (UTC)")
    for p in found:
        d = p.document
        gates = ", ".join(k for k in GATES if getattr(d, k) is not None)
        grid.add_row(
            cell(p.name), cell(p.version), cell(", ".join(d.targets)), cell(", ".join(d.models) or "*"),
            cell(gates), cell(p.published_by), cell(p.published_at),
        )  # fmt: skip
    show(grid)


@app.command("check")
def check(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="MODEL/VERSION", help="The version, e.g. churn/7.")],
    alias: Annotated[
        str,
        typer.Option("--alias", "-a", metavar="TARGET", help="The alias, or env:NAME (an environment)."),
    ],
    json: JsonOption = False,
) -> None:
    """List every gate guarding --alias for MODEL/VERSION, with pass/fail and why (exit 5 if any fails)."""
    with open_client(ctx) as client:
        result = client.check_policy(ref, alias)
    if json:
        print_json(check_to_dict(result))
    else:
        grid = table("policy", "gate", "result", "why")
        for g in result.gates:
            grid.add_row(cell(g.policy), cell(g.gate), "pass" if g.passed else "FAIL", cell(g.why))
        show(grid)
        if not result.gates:
            note(f"No policy guards {alias} for {result.model}.")
    if not result.passed:
        raise typer.Exit(5)


@app.command("override")
def override(
    ctx: typer.Context,
    *,
    model: Annotated[str, typer.Argument(metavar="MODEL", show_default=False)],
    alias: Annotated[str, typer.Argument(metavar="ALIAS", show_default=False)],
    version: Annotated[
        int | None, typer.Argument(metavar="[VERSION]", min=1, show_default=False, help="Omit with --delete.")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", "-r", metavar="TEXT", help="Why (required; audited).")],
    delete: Annotated[bool, typer.Option("--delete", help="Delete the protected alias instead.")] = False,
    json: JsonOption = False,
) -> None:
    """Admins: move a protected ALIAS to VERSION although gates fail, or --delete it; audited."""
    if (version is None) != delete:
        raise InvalidInputError("Give either a VERSION to move the alias to, or --delete.")
    with open_client(ctx) as client:
        if delete:
            event = client.override_delete_alias(model, alias, reason=reason)
        else:
            assert version is not None
            event = client.override_alias(model, alias, version, reason=reason)
    if json:
        print_json(alias_event_to_dict(event))
        return
    moved = "deleted" if event.version is None else f"-> {event.version}"
    note(f"{model}@{alias} {moved} (was {event.previous_version}); override recorded.")
