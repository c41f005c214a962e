"""``steward models``: list, show, create and update registered models."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import (
    FilterOption,
    JsonOption,
    MaxResultsOption,
    OrderByOption,
    PageTokenOption,
    TagOption,
    open_client,
    parse_pairs,
)
from steward.cli.output import cell, key_value_table, next_page, pairs, print_json, show, table
from steward.core.codec import model_to_dict
from steward.core.errors import InvalidInputError
from steward.core.registry import RegisteredModel, check_model_name

app = typer.Typer(help="List, show, create and update registered models.", no_args_is_help=True)

NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The model's name, e.g. churn.", show_default=False)
]
DescriptionOption = Annotated[
    str | None, typer.Option("--description", "-d", metavar="TEXT", help="What the model is for.")
]


@app.command("list")
def list_models(
    ctx: typer.Context,
    *,
    filter: FilterOption = None,
    order_by: OrderByOption = None,
    max_results: MaxResultsOption = 100,
    page_token: PageTokenOption = None,
    json: JsonOption = False,
) -> None:
    """List registered models (filter on name, owner, description, tags.KEY, alias, times)."""
    with open_client(ctx) as client:
        page = client.search_models(filter, order_by=order_by, max_results=max_results, page_token=page_token)
    if json:
        print_json({"items": [model_to_dict(m) for m in page.items], "next_page_token": page.next_page_token})
        return
    grid = table("name", "latest", "aliases", "owner", "tags", "updated (UTC)", "description")
    for model in page.items:
        grid.add_row(
            cell(model.name),
            cell(model.latest_version or None),
            cell(pairs(model.aliases)),
            cell(model.owner),
            cell(pairs(model.tags, limit=3)),
            cell(model.updated_at),
            cell(model.description[:60]),
        )
    show(grid)
    next_page(page.next_page_token)


@app.command("show")
def show_model(ctx: typer.Context, *, name: NameArg, json: JsonOption = False) -> None:
    """Show one model: owner, description, tags, aliases and latest version."""
    check_model_name(name)
    with open_client(ctx) as client:
        model = client.get_model(name)
    if json:
        print_json(model_to_dict(model))
        return
    _render(model)


@app.command("create")
def create(
    ctx: typer.Context,
    *,
    name: NameArg,
    description: DescriptionOption = None,
    owner: Annotated[
        str | None, typer.Option("--owner", metavar="NAME", help="Who answers for it (default: you).")
    ] = None,
    tag: TagOption = None,
    json: JsonOption = False,
) -> None:
    """Create an empty model; its first `steward register` becomes version 1."""
    check_model_name(name)
    tags = parse_pairs(tag, "--tag")
    with open_client(ctx) as client:
        model = client.create_model(name, description=description or "", owner=owner, tags=tags)
    if json:
        print_json(model_to_dict(model))
        return
    show(f"Created model [bold]{cell(model.name)}[/bold] (owner {cell(model.owner)}).")


@app.command("update")
def update(
    ctx: typer.Context,
    *,
    name: NameArg,
    description: DescriptionOption = None,
    tag: TagOption = None,
    json: JsonOption = False,
) -> None:
    """Change a model's description, or set tags (tags not named are kept)."""
    check_model_name(name)
    tags = parse_pairs(tag, "--tag") if tag else None
    if description is None and tags is None:
        raise InvalidInputError("Nothing to change: give --description TEXT or --tag KEY=VALUE.")
    with open_client(ctx) as client:
        if tags is not None:  # the SDK replaces all tags; keep the ones not named here
            tags = {**client.get_model(name).tags, **tags}
        model = client.update_model(name, description=description, tags=tags)
    if json:
        print_json(model_to_dict(model))
        return
    show(f"Updated model [bold]{cell(model.name)}[/bold].")
    _render(model)


def _render(model: RegisteredModel) -> None:
    show(
        key_value_table(
            [
                ("name", model.name),
                ("description", model.description),
                ("owner", model.owner),
                ("latest version", model.latest_version or None),
                ("aliases", pairs(model.aliases)),
                ("tags", pairs(model.tags)),
                ("created", model.created_at),
                ("updated", model.updated_at),
            ]
        )
    )
