"""``steward users``: users and service accounts, and the roles granted to them."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, console, note, print_json, show, table
from steward.core.governance_codec import principal_to_dict, token_to_dict
from steward.core.identity import Principal

app = typer.Typer(help="Create users and service accounts; grant and revoke roles.", no_args_is_help=True)

NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The user or service account.", show_default=False)
]
RoleArg = Annotated[
    str,
    typer.Argument(
        metavar="ROLE", help="viewer, contributor, reviewer, operator or admin.", show_default=False
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", "-m", metavar="MODEL", help="Only on this model (default: every model)."),
]


@app.command("create")
def create(
    ctx: typer.Context,
    *,
    name: NameArg,
    role: Annotated[str | None, typer.Option("--role", metavar="ROLE", help="A first role to grant.")] = None,
    model: ModelOption = None,
    service: Annotated[bool, typer.Option("--service", help="A service account (for machines).")] = False,
    no_token: Annotated[bool, typer.Option("--no-token", help="Do not create a first API token.")] = False,
    json: JsonOption = False,
) -> None:
    """Create NAME (the first admin may create itself), and print a first API token once."""
    with open_client(ctx) as client:
        created = client.create_user(name, kind="service" if service else "user", role=role, model=model)
        issued = None
        if not no_token:
            if _bootstrapped(created, client.actor):  # the first admin signs in as itself for its token
                client.actor = created.name
            issued = client.create_token(created.name, name="first")
    if json:
        data = principal_to_dict(created)
        if issued is not None:
            data["token"] = {**token_to_dict(issued.info), "token": issued.secret}
        print_json(data)
        return
    _show([created])
    if issued is not None:
        out = console()
        out.print(f"API token for {created.name} (shown once; store it now):", markup=False)
        out.print(issued.secret, markup=False, highlight=False, soft_wrap=True)
        expires = cell(issued.info.expires_at)
        note(f"Use it with: export STEWARD_TOKEN=<the token>  (it expires {expires})")


@app.command("list")
def list_users(ctx: typer.Context, json: JsonOption = False) -> None:
    """Every user and service account, with their roles."""
    with open_client(ctx) as client:
        users = client.list_users()
    if json:
        print_json({"items": [principal_to_dict(p) for p in users]})
        return
    _show(users)


@app.command("grant")
def grant(
    ctx: typer.Context, name: NameArg, role: RoleArg, model: ModelOption = None, json: JsonOption = False
) -> None:
    """Grant ROLE to NAME, on every model or (--model) on one."""
    with open_client(ctx) as client:
        principal = client.grant(name, role, model=model)
    print_json(principal_to_dict(principal)) if json else _show([principal])


@app.command("revoke")
def revoke(
    ctx: typer.Context, name: NameArg, role: RoleArg, model: ModelOption = None, json: JsonOption = False
) -> None:
    """Take ROLE (on every model, or --model) back from NAME."""
    with open_client(ctx) as client:
        principal = client.revoke(name, role, model=model)
    print_json(principal_to_dict(principal)) if json else _show([principal])


def _bootstrapped(principal: Principal, actor: str) -> bool:
    """Whether *principal* is a global admin someone else just created (the first admin, embedded)."""
    return principal.created_by == actor != principal.name and any(
        g.role.value == "admin" and g.model is None for g in principal.grants
    )


def _show(principals: list[Principal]) -> None:
    grid = table("name", "kind", "roles", "created by", "created (UTC)")
    for p in principals:
        roles = ", ".join(f"{g.role.value}@{g.scope}" for g in p.grants) or "-"
        grid.add_row(cell(p.name), cell(p.kind), cell(roles), cell(p.created_by), cell(p.created_at))
    show(grid)
