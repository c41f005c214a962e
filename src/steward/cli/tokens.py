"""``steward tokens``: API tokens for the REST API and SDK (shown once, stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, console, note, print_json, show, table
from steward.core.governance_codec import token_to_dict

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    *,
    user: Annotated[
        str | None, typer.Option("--for", metavar="NAME", help="Whose token (admins); default: yours.")
    ] = None,
    name: Annotated[str, typer.Option("--name", metavar="TEXT", help="A label, e.g. laptop or ci.")] = "",
    days: Annotated[
        int, typer.Option("--days", min=1, max=3650, metavar="N", help="Expires after N days.")
    ] = 90,
    no_expiry: Annotated[bool, typer.Option("--no-expiry", help="Never expires (service accounts).")] = False,
    json: JsonOption = False,
) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    with open_client(ctx) as client:
        issued = client.create_token(user, name=name, expires_in_days=None if no_expiry else days)
    if json:
        print_json({**token_to_dict(issued.info), "token": issued.secret})
        return
    console().print(issued.secret, markup=False, highlight=False, soft_wrap=True)
    expiry = cell(issued.info.expires_at) if issued.info.expires_at else "never"
    note(f"Token {issued.info.id} for {issued.info.principal} (expires {expiry}): shown once, store it now.")


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: Annotated[
        str | None, typer.Option("--for", metavar="NAME", help="Only this user's tokens.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Your tokens (an admin sees everyone's); never the secrets."""
    with open_client(ctx) as client:
        tokens = client.list_tokens(user)
    if json:
        print_json({"items": [token_to_dict(t) for t in tokens]})
        return
    grid = table("id", "user", "name", "created (UTC)", "expires (UTC)", "revoked (UTC)")
    for t in tokens:
        grid.add_row(
            cell(t.id),
            cell(t.principal),
            cell(t.name),
            cell(t.created_at),
            cell(t.expires_at),
            cell(t.revoked_at),
        )
    show(grid)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (steward tokens list).")],
    json: JsonOption = False,
) -> None:
    """Revoke token ID at once."""
    with open_client(ctx) as client:
        info = client.revoke_token(token_id)
    if json:
        print_json(token_to_dict(info))
        return
    note(f"Revoked token {info.id} of {info.principal}.")
