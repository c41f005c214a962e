"""``steward approvals``: request approval of a version for a target; approve or reject."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, ReasonOption, open_client
from steward.cli.output import cell, print_json, show, table
from steward.core.approval import ApprovalRequest
from steward.core.governance_codec import approval_to_dict

app = typer.Typer(help="Request approvals; reviewers approve or reject them.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(metavar="ID", help="The request's id (steward approvals list).")]
CommentOption = Annotated[
    str, typer.Option("--comment", "-c", metavar="TEXT", help="Why: kept with the decision.")
]


@app.command("request")
def request(
    ctx: typer.Context,
    *,
    ref: Annotated[str, typer.Argument(metavar="MODEL/VERSION", help="The version, e.g. churn/7.")],
    target: Annotated[
        str,
        typer.Option(
            "--target", "-t", metavar="TARGET", help="The alias it should take, or env:NAME (an environment)."
        ),
    ],
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Ask reviewers to approve MODEL/VERSION for --target (e.g. champion, or env:production)."""
    with open_client(ctx) as client:
        made = client.request_approval(ref, target, reason=reason)
    _report([made], json)


@app.command("approve")
def approve(
    ctx: typer.Context, request_id: IdArg, comment: CommentOption = "", json: JsonOption = False
) -> None:
    """Approve request ID (not your own request, nor a version you registered)."""
    with open_client(ctx) as client:
        decided = client.approve(request_id, comment=comment)
    _report([decided], json)


@app.command("reject")
def reject(
    ctx: typer.Context, request_id: IdArg, comment: CommentOption = "", json: JsonOption = False
) -> None:
    """Reject request ID; a rejected request can no longer be approved."""
    with open_client(ctx) as client:
        decided = client.reject(request_id, comment=comment)
    _report([decided], json)


@app.command("list")
def list_requests(
    ctx: typer.Context,
    model: Annotated[
        str | None, typer.Option("--model", "-m", metavar="MODEL", help="Only this model.")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", "-t", metavar="ALIAS", help="Only this target.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Approval requests with their status and decisions."""
    with open_client(ctx) as client:
        found = client.approvals(model=model, target=target)
    _report(found, json)


def _report(requests: list[ApprovalRequest], json: bool) -> None:
    if json:
        print_json({"items": [approval_to_dict(r) for r in requests]})
        return
    grid = table("id", "version", "target", "requested by", "status", "decisions")
    for r in requests:
        decisions = "; ".join(f"{d.reviewer}: {d.decision.value} {d.comment}".strip() for d in r.decisions)
        grid.add_row(
            cell(r.id), cell(r.ref), cell(r.target), cell(r.requested_by), cell(r.status), cell(decisions)
        )
    show(grid)
