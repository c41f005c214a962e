"""``steward kill``: the kill switch, stop a deployment serving at once, and revive it."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, print_json, show
from steward.core.codec import deployment_to_dict
from steward.core.deployment import Deployment, check_deployment_name, check_kill_reason

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


def _report(d: Deployment, json: bool) -> None:
    if json:
        print_json(deployment_to_dict(d))
        return
    if d.spec.killed is None:
        show(f"Revived [bold]{cell(d.name)}[/bold]: revision {d.revision} serves its routes again.")
        return
    instead = f"its fallback {d.spec.fallback} answers" if d.spec.fallback else "every request gets 503"
    show(f"Stopped [bold]{cell(d.name)}[/bold] (revision {d.revision}): {instead}.")
