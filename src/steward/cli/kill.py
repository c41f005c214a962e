"""``steward kill``: the kill switch, stop a deployment serving at once, and revive it."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, print_json, show, table
from steward.core.codec import deployment_to_dict, killed_version_to_dict
from steward.core.deployment import Deployment, check_deployment_name, check_kill_reason
from steward.core.registry import ModelRef

app = typer.Typer(
    help="The kill switch: stop a deployment serving now (its fallback answers, else 503), and revive it.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The deployment's name, e.g. churn-api.", show_default=False)
]
KillReasonOption = Annotated[
    str,
    typer.Option(
        "--reason", "-r", metavar="TEXT", help="Why (required): recorded in the audit trail and the 503s."
    ),
]


@app.command("deployment")
def kill_deployment(
    ctx: typer.Context, name: NameArg, reason: KillReasonOption = "", json: JsonOption = False
) -> None:
    """Stop NAME serving at once: its declared fallback answers everything, or every request gets 503."""
    check_deployment_name(name)
    check_kill_reason(reason)
    with open_client(ctx) as client:
        deployment = client.kill_deployment(name, reason=reason)
    _report(deployment, json)


@app.command("revive")
def revive(
    ctx: typer.Context, name: NameArg, reason: KillReasonOption = "", json: JsonOption = False
) -> None:
    """Undo the kill switch: NAME serves its routes again (a new revision)."""
    check_deployment_name(name)
    check_kill_reason(reason)
    with open_client(ctx) as client:
        deployment = client.revive_deployment(name, reason=reason)
    _report(deployment, json)


RefArg = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        help="A version, e.g. churn/3 (or churn@champion: its version now).",
        show_default=False,
    ),
]


@app.command("version")
def kill_version(
    ctx: typer.Context, ref: RefArg, reason: KillReasonOption = "", json: JsonOption = False
) -> None:
    """Stop version REF in every deployment now: its routes go to each deployment's fallback, or are
    left out (503 when nothing is left)."""
    ModelRef.parse(ref)
    check_kill_reason(reason)
    with open_client(ctx) as client:
        killed = client.kill_version(ref, reason=reason)
    if json:
        print_json(killed_version_to_dict(killed))
        return
    show(f"Stopped [bold]{cell(killed.ref)}[/bold] in every deployment: {cell(killed.reason)}.")


@app.command("revive-version")
def revive_version(
    ctx: typer.Context, ref: RefArg, reason: KillReasonOption = "", json: JsonOption = False
) -> None:
    """Undo version REF's kill switch: deployments route to it again."""
    ModelRef.parse(ref)
    check_kill_reason(reason)
    with open_client(ctx) as client:
        revived = client.revive_version(ref, reason=reason)
    if json:
        print_json(killed_version_to_dict(revived))
        return
    show(f"Revived [bold]{cell(revived.ref)}[/bold]: deployments route to it again.")


@app.command("list")
def list_killed(ctx: typer.Context, *, json: JsonOption = False) -> None:
    """Every deployment and version stopped by the kill switch."""
    with open_client(ctx) as client:
        stopped = [d for d in client.list_deployments() if d.spec.killed is not None]
        versions = client.killed_versions()
    if json:
        print_json(
            {
                "deployments": [deployment_to_dict(d) for d in stopped],
                "versions": [killed_version_to_dict(k) for k in versions],
            }
        )
        return
    rows = [["deployment", d.name, d.spec.killed or "", d.created_by] for d in stopped]
    rows += [["version", k.ref, k.reason, k.killed_by] for k in versions]
    if not rows:
        show("Nothing is stopped by the kill switch.")
        return
    grid = table("kind", "name", "reason", "by")
    for row in rows:
        grid.add_row(*(cell(value) for value in row))
    show(grid)


def _report(d: Deployment, json: bool) -> None:
    if json:
        print_json(deployment_to_dict(d))
        return
    if d.spec.killed is None:
        show(f"Revived [bold]{cell(d.name)}[/bold]: revision {d.revision} serves its routes again.")
        return
    instead = f"its fallback {d.spec.fallback} answers" if d.spec.fallback else "every request gets 503"
    show(f"Stopped [bold]{cell(d.name)}[/bold] (revision {d.revision}): {instead}.")
