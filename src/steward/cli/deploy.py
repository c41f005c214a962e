"""``steward deploy``: declare which versions serve a named endpoint, and how traffic is split."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from steward.cli.options import JsonOption, ReasonOption, open_client
from steward.cli.output import cell, key_value_table, print_json, show, table
from steward.core.codec import deployment_to_dict
from steward.core.deployment import (
    Batching,
    Deployment,
    DeploymentSpec,
    check_deployment_name,
    check_revision,
    parse_routes,
)
from steward.core.errors import NotFoundError
from steward.core.registry import ModelRef

if TYPE_CHECKING:
    from steward.sdk.client import Client

app = typer.Typer(
    help="Create, change, roll back and promote deployments: which versions serve, with what weights.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The deployment's name, e.g. churn-api.", show_default=False)
]
RoutesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="ROUTE",
        help="REF=WEIGHT (percent, adding up to 100), e.g. churn@champion=90 churn/7=10; "
        "or a single REF for all traffic.",
        show_default=False,
    ),
]
ShadowOption = Annotated[
    list[str] | None,
    typer.Option("--shadow", metavar="REF", help="Mirror traffic to this version or alias (repeatable)."),
]
StickyOption = Annotated[
    str | None,
    typer.Option(
        "--sticky-header",
        metavar="HEADER",
        help="Requests with the same value of this header go to one route.",
    ),
]
FallbackOption = Annotated[
    str | None, typer.Option("--fallback", metavar="REF", help="Answer with this version if a route fails.")
]
BatchSizeOption = Annotated[
    int | None,
    typer.Option("--batch-size", metavar="N", help="Turn on adaptive batching, at most N rows a batch."),
]
BatchWaitOption = Annotated[
    float | None,
    typer.Option("--batch-wait-ms", metavar="MS", help="Turn on adaptive batching, waiting up to MS ms."),
]
SampleOption = Annotated[
    float, typer.Option("--log-sample-rate", metavar="F", help="Fraction of requests logged, 0 to 1.")
]
DescriptionOption = Annotated[
    str, typer.Option("--description", "-d", metavar="TEXT", help="What the deployment is for.")
]
EnvironmentOption = Annotated[
    str | None,
    typer.Option(
        "--environment",
        "-e",
        metavar="ENV",
        help="The environment it runs in (kept once set; policies gate it).",
    ),
]


def _spec(
    routes: list[str],
    shadow: list[str] | None,
    sticky_header: str | None,
    fallback: str | None,
    batch_size: int | None,
    batch_wait_ms: float | None,
    log_sample_rate: float,
    description: str,
    environment: str | None = None,
) -> DeploymentSpec:
    batching = Batching()
    if batch_size is not None or batch_wait_ms is not None:
        batching = Batching(
            enabled=True,
            max_batch_size=batching.max_batch_size if batch_size is None else batch_size,
            max_wait_ms=batching.max_wait_ms if batch_wait_ms is None else batch_wait_ms,
        )
    return DeploymentSpec(
        routes=parse_routes(routes),
        shadows=tuple(shadow or ()),
        sticky_header=sticky_header,
        fallback=fallback,
        batching=batching,
        log_sample_rate=log_sample_rate,
        description=description,
        environment=environment,
    ).checked()


@app.command("create")
def create(
    ctx: typer.Context,
    *,
    name: NameArg,
    routes: RoutesArg,
    shadow: ShadowOption = None,
    sticky_header: StickyOption = None,
    fallback: FallbackOption = None,
    batch_size: BatchSizeOption = None,
    batch_wait_ms: BatchWaitOption = None,
    log_sample_rate: SampleOption = 1.0,
    description: DescriptionOption = "",
    environment: EnvironmentOption = None,
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Create deployment NAME (revision 1); every ref must resolve now."""
    check_deployment_name(name)
    spec = _spec(
        routes,
        shadow,
        sticky_header,
        fallback,
        batch_size,
        batch_wait_ms,
        log_sample_rate,
        description,
        environment,
    )
    with open_client(ctx) as client:
        deployment = client.create_deployment(name, spec, reason=reason)
    _report("Created", deployment, json)


@app.command("update")
def update(
    ctx: typer.Context,
    *,
    name: NameArg,
    routes: RoutesArg,
    shadow: ShadowOption = None,
    sticky_header: StickyOption = None,
    fallback: FallbackOption = None,
    batch_size: BatchSizeOption = None,
    batch_wait_ms: BatchWaitOption = None,
    log_sample_rate: SampleOption = 1.0,
    description: DescriptionOption = "",
    environment: EnvironmentOption = None,
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Replace NAME's spec with the one given here (a new revision; options not given take defaults)."""
    check_deployment_name(name)
    spec = _spec(
        routes,
        shadow,
        sticky_header,
        fallback,
        batch_size,
        batch_wait_ms,
        log_sample_rate,
        description,
        environment,
    )
    with open_client(ctx) as client:
        deployment = client.update_deployment(name, spec, reason=reason)
    _report("Updated", deployment, json)


@app.command("show")
def show_deployment(
    ctx: typer.Context,
    *,
    name: NameArg,
    revision: Annotated[
        int | None, typer.Option("--revision", metavar="N", help="This revision (default: the current one).")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Show NAME: its routes and weights, and the versions they resolve to now."""
    check_deployment_name(name)
    number = None if revision is None else check_revision(revision)
    with open_client(ctx) as client:
        deployment = client.get_deployment(name, number)
        resolved = _resolve_refs(client, deployment.spec)
    if json:
        print_json({**deployment_to_dict(deployment), "resolved": resolved})
        return
    _render(deployment, resolved)


@app.command("history")
def history(ctx: typer.Context, *, name: NameArg, json: JsonOption = False) -> None:
    """Every revision of NAME, oldest first."""
    check_deployment_name(name)
    with open_client(ctx) as client:
        revisions = client.deployment_history(name)
    if json:
        print_json([deployment_to_dict(d) for d in revisions])
        return
    grid = table("revision", "time (UTC)", "routes", "by", "reason", title=f"History of {name}")
    for d in revisions:
        grid.add_row(
            cell(d.revision), cell(d.created_at), cell(_routes(d.spec)), cell(d.created_by), cell(d.reason)
        )
    show(grid)


@app.command("rollback")
def rollback(ctx: typer.Context, name: NameArg, reason: ReasonOption = "", json: JsonOption = False) -> None:
    """Go back one step: a new revision with the spec of the revision before the current one."""
    check_deployment_name(name)
    with open_client(ctx) as client:
        deployment = client.rollback_deployment(name, reason=reason)
    _report("Rolled back", deployment, json)


@app.command("promote")
def promote(
    ctx: typer.Context,
    *,
    name: NameArg,
    ref: Annotated[
        str, typer.Argument(metavar="REF", help="The route to send all traffic to, e.g. churn/7.")
    ],
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Send all of NAME's traffic to its route REF, a canary say; the other routes are dropped."""
    check_deployment_name(name)
    ModelRef.parse(ref)
    with open_client(ctx) as client:
        deployment = client.promote_deployment(name, ref, reason=reason)
    _report("Promoted", deployment, json)


@app.command("list")
def list_deployments(ctx: typer.Context, *, json: JsonOption = False) -> None:
    """Every deployment, at its current revision."""
    with open_client(ctx) as client:
        deployments = client.list_deployments()
    if json:
        print_json([deployment_to_dict(d) for d in deployments])
        return
    grid = table("name", "revision", "routes", "shadows", "updated (UTC)", "by")
    for d in deployments:
        grid.add_row(
            cell(d.name),
            cell(d.revision),
            cell(_routes(d.spec)),
            cell(", ".join(d.spec.shadows)),
            cell(d.created_at),
            cell(d.created_by),
        )
    show(grid)


def _resolve_refs(client: Client, spec: DeploymentSpec) -> dict[str, str | None]:
    """Each ref of *spec* and the version it means now (None if it no longer resolves)."""
    refs = [r.ref for r in spec.routes] + list(spec.shadows) + ([spec.fallback] if spec.fallback else [])
    out: dict[str, str | None] = {}
    for ref in refs:
        try:
            out[ref] = client.get(ref).ref
        except NotFoundError:
            out[ref] = None
    return out


def _routes(spec: DeploymentSpec) -> str:
    return " ".join(f"{r.ref}={r.weight:g}" for r in spec.routes)


def _render(d: Deployment, resolved: dict[str, Any]) -> None:
    spec = d.spec
    batching = spec.batching
    batch = (
        f"up to {batching.max_batch_size} rows, {batching.max_wait_ms:g} ms" if batching.enabled else "off"
    )
    show(
        key_value_table(
            [
                ("name", d.name),
                ("revision", d.revision),
                ("description", spec.description),
                ("environment", spec.environment),
                ("sticky header", spec.sticky_header),
                ("batching", batch),
                ("fallback", spec.fallback),
                ("log sample rate", f"{spec.log_sample_rate:g}"),
                ("changed", d.created_at),
                ("by", d.created_by),
                ("reason", d.reason),
            ]
        )
    )
    grid = table("role", "ref", "weight %", "serves now")
    for route in spec.routes:
        grid.add_row("route", cell(route.ref), cell(f"{route.weight:g}"), _now(resolved, route.ref))
    for ref in spec.shadows:
        grid.add_row("shadow", cell(ref), "-", _now(resolved, ref))
    if spec.fallback:
        grid.add_row("fallback", cell(spec.fallback), "-", _now(resolved, spec.fallback))
    show(grid)


def _now(resolved: dict[str, Any], ref: str) -> str:
    version = resolved.get(ref)
    return cell(version) if version else "(does not resolve)"


def _report(verb: str, d: Deployment, json: bool) -> None:
    if json:
        print_json(deployment_to_dict(d))
        return
    show(f"{verb} [bold]{cell(d.name)}[/bold]: revision {d.revision}, routes {cell(_routes(d.spec))}.")
