"""``steward versions``: search versions, show one, trace its lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from steward.cli.options import (
    FilterOption,
    JsonOption,
    MaxResultsOption,
    OrderByOption,
    PageTokenOption,
    open_client,
)
from steward.cli.output import cell, key_value_table, next_page, pairs, print_json, show, table
from steward.core.codec import version_to_dict
from steward.core.lineage import Lineage
from steward.core.registry import ModelRef, ModelVersion

if TYPE_CHECKING:
    from rich.table import Table

    from steward.core.signature import ColumnSpec

app = typer.Typer(help="Search versions, show one, trace its lineage.", no_args_is_help=True)

RefArg = Annotated[
    str,
    typer.Argument(
        metavar="REF", help="A version: churn/3, churn@champion, or churn for the latest.", show_default=False
    ),
]


@app.command("list")
def list_versions(
    ctx: typer.Context,
    *,
    filter: FilterOption = None,
    order_by: OrderByOption = None,
    max_results: MaxResultsOption = 100,
    page_token: PageTokenOption = None,
    json: JsonOption = False,
) -> None:
    """Search versions, newest first: "name = 'churn' AND metrics.auc > 0.8"."""
    with open_client(ctx) as client:
        page = client.search(filter, order_by=order_by, max_results=max_results, page_token=page_token)
    if json:
        print_json(
            {"items": [version_to_dict(v) for v in page.items], "next_page_token": page.next_page_token}
        )
        return
    grid = table("model", "version", "flavor", "aliases", "metrics", "created (UTC)")
    for version in page.items:
        grid.add_row(
            cell(version.model),
            cell(version.version),
            cell(version.flavor),
            cell(", ".join(version.aliases)),
            cell(pairs(version.metrics, limit=3)),
            cell(version.created_at),
        )
    show(grid)
    next_page(page.next_page_token)


@app.command("show")
def show_version(ctx: typer.Context, *, ref: RefArg, json: JsonOption = False) -> None:
    """Show a version: signature, metrics, params, tags and a lineage summary."""
    ModelRef.parse(ref)
    with open_client(ctx) as client:
        version = client.get(ref)
    if json:
        print_json(version_to_dict(version))
        return
    show(_summary(version))
    if version.signature is not None:
        show(_signature_table(version.signature.inputs, f"Inputs ({version.signature.kind})"))
        if version.signature.outputs:
            show(_signature_table(version.signature.outputs, "Outputs"))
    for title, values in (("Metrics", version.metrics), ("Params", version.params), ("Tags", version.tags)):
        if values:
            grid = table("name", "value", title=title)
            for key, value in values.items():
                grid.add_row(cell(key), cell(value))
            show(grid)
    show(_lineage_summary(version.lineage))


@app.command("lineage")
def lineage(ctx: typer.Context, *, ref: RefArg, json: JsonOption = False) -> None:
    """Show what a version came from: datasets, code, environment, and the versions before it."""
    ModelRef.parse(ref)
    with open_client(ctx) as client:
        report = client.lineage(ref)
    if json:
        print_json(
            {
                "version": version_to_dict(report.version),
                "lineage": report.lineage.to_dict(),
                "ancestors": list(report.ancestors),
            }
        )
        return
    show(f"[bold]{cell(report.version.ref)}[/bold] ({cell(report.version.flavor)})")
    show(_datasets_table(report.lineage))
    show(_lineage_summary(report.lineage, with_datasets=False))
    if report.lineage.packages:
        grid = table("package", "version", title="Environment")
        for package, number in sorted(report.lineage.packages.items()):
            grid.add_row(cell(package), cell(number))
        show(grid)
    chain = " <- ".join([report.version.ref, *report.ancestors])
    show(f"Retrained from: {cell(chain) if report.ancestors else 'nothing (trained from scratch)'}")


def _summary(version: ModelVersion) -> Table:
    return key_value_table(
        [
            ("version", version.ref),
            ("flavor", version.flavor),
            ("aliases", ", ".join(version.aliases)),
            ("description", version.description),
            ("created", version.created_at),
            ("created by", version.created_by),
            ("artifact", f"sha256:{version.artifact_digest}"),
        ]
    )


def _signature_table(columns: tuple[ColumnSpec, ...], title: str) -> Table:
    grid = table("name", "type", "optional", "shape", title=title)
    for column in columns:
        shape = "(" + ", ".join(str(d) for d in column.shape) + ")" if column.shape is not None else None
        grid.add_row(cell(column.name), cell(column.type), "yes" if column.optional else "no", cell(shape))
    return grid


def _datasets_table(lineage: Lineage) -> Table:
    grid = table("role", "name", "rows", "columns", "fingerprint", "uri", title="Datasets")
    for dataset in lineage.datasets:
        grid.add_row(
            cell(dataset.role),
            cell(dataset.name),
            cell(dataset.rows),
            cell(len(dataset.schema)),
            cell(dataset.fingerprint[:16]),
            cell(dataset.uri),
        )
    return grid


def _lineage_summary(lineage: Lineage, *, with_datasets: bool = True) -> Table:
    code = lineage.code_commit[:12] if lineage.code_commit else None
    if code and lineage.code_dirty:
        code += " (uncommitted changes)"
    rows: list[tuple[str, object]] = []
    if with_datasets:
        datasets = ", ".join(f"{d.role}: {d.name} ({d.rows} rows)" for d in lineage.datasets)
        rows.append(("datasets", datasets))
    rows += [
        ("code", f"{code} {lineage.code_repo or ''}".strip() if code else None),
        ("python", lineage.python_version),
        ("parent", lineage.parent),
        ("source", lineage.source),
    ]
    return key_value_table(rows, title="Lineage")
