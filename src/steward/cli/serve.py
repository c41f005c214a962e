"""``steward serve``: run the inference server (data plane) for one deployment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from steward.cli.options import globals_of
from steward.cli.output import console, note
from steward.cli.server import HostOption, base_url, check_port_free, is_loopback
from steward.core.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.serving.ray_engine import RaySpec


def serve(
    ctx: typer.Context,
    deployment: Annotated[str, typer.Argument(metavar="DEPLOYMENT", help="The deployment to serve.")],
    *,
    host: HostOption = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, metavar="PORT", help="TCP port to listen on.")
    ] = 8000,
    uri: Annotated[
        str | None,
        typer.Option(
            "--uri", metavar="URI", help="Database the deployment is read from; overrides steward --uri."
        ),
    ] = None,
    payload_log: Annotated[
        str | None,
        typer.Option(
            "--payload-log",
            metavar="DIR|URL",
            help="Folder or fsspec URL (s3://bucket/payloads) of the Parquet payload log. "
            "Default: the payloads setting ($STEWARD_HOME/payloads).",
            show_default=False,
        ),
    ] = None,
    no_payload_log: Annotated[
        bool, typer.Option("--no-payload-log", help="Do not log requests and predictions.")
    ] = False,
    explain_background: Annotated[
        str | None,
        typer.Option(
            "--explain-background",
            metavar="FILE|URL",
            help="Parquet or CSV sample of the training data that /explain compares rows with "
            "(at most 100 rows kept). Default: each version's lineage training dataset, if it has a uri.",
            show_default=False,
        ),
    ] = None,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", min=0.001, metavar="MB", help="Largest request body accepted.")
    ] = 16.0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, metavar="N", help="Worker processes sharing the port (SO_REUSEPORT)."
        ),
    ] = 1,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", metavar="ENGINE", help="local (uvicorn here) or ray (replicas on Ray Serve)."
        ),
    ] = "local",
    replicas: Annotated[
        int, typer.Option("--replicas", min=1, metavar="N", help="With --engine ray: Ray Serve replicas.")
    ] = 1,
    ray_address: Annotated[
        str,
        typer.Option(
            "--ray-address",
            metavar="ADDRESS",
            help="With --engine ray: auto (the cluster on this machine, else a new local one), "
            "local, or a cluster address.",
        ),
    ] = "auto",
) -> None:
    """Serve a deployment: Open Inference Protocol v2 at /v2, MLflow scoring at /invocations, /metrics."""
    settings = globals_of(ctx).settings(uri)
    if settings.is_remote:
        raise InvalidInputError(
            "steward serve reads the deployment from the database: pass --uri sqlite:///… or postgresql://…."
        )
    if engine not in ("local", "ray"):
        raise InvalidInputError(f"Unknown --engine {engine!r}: use local or ray.")
    if engine == "ray" and workers > 1:
        raise InvalidInputError("--workers is for --engine local; with --engine ray use --replicas.")
    if engine == "local" and replicas > 1:
        raise InvalidInputError("--replicas goes with --engine ray; with --engine local use --workers.")
    check_port_free(host, port)
    from steward.app import Steward
    from steward.serving.app import Limits
    from steward.serving.payload_sink import open_sink
    from steward.serving.ray_engine import RaySpec
    from steward.serving.server import create_app, open_backgrounds, run
    from steward.serving.workers import ServeSpec, run_workers

    folder = None if no_payload_log else (payload_log or settings.payloads)
    limits = Limits(max_body=int(max_body_mb * 1024 * 1024))
    with Steward.open(settings) as steward:
        resolved = steward.deployments.resolve(deployment)  # fails now, clearly, if it does not exist
        shown = None
        if folder is not None:
            sink = open_sink(folder, settings.payloads_options)
            sink.prepare()  # a bad location fails now, clearly
            shown = sink.location
        backgrounds = open_backgrounds(settings, explain_background)  # a bad file fails now, clearly
        routes = [f"{r.version.ref} ({r.weight:g}%)" for r in resolved.routes]
        if engine == "ray":
            ray_spec = RaySpec(settings, deployment, folder, limits, explain_background)
            _serve_on_ray(ray_spec, routes, host, port, replicas, ray_address)
            return
        _banner(deployment, routes, host, port, shown, workers)
        if workers == 1:
            app = create_app(
                steward, deployment, payload_log=folder, limits=limits, explain_background=backgrounds
            )
            run(app, host, port)
    if workers > 1:
        spec = ServeSpec(settings, deployment, host, port, folder, limits, None, explain_background)
        problems = run_workers(spec, workers)
        if problems:
            note(f"Stopped: {'; '.join(problems)} (see its output above).")
            raise typer.Exit(1)
    note("Stopped.")


def _serve_on_ray(
    spec: RaySpec, routes: list[str], host: str, port: int, replicas: int, address: str
) -> None:
    from steward.serving.ray_engine import serve_on_ray

    def ready(started_here: bool) -> None:
        folder = str(spec.payload_log) if spec.payload_log is not None else None
        _banner(spec.deployment, routes, host, port, folder, replicas, engine="ray")
        note("  Ray:              " + ("a local Ray started for this command" if started_here else address))

    serve_on_ray(spec, replicas=replicas, host=host, port=port, address=address, on_ready=ready)
    note("Stopped.")


def _banner(
    deployment: str,
    routes: list[str],
    host: str,
    port: int,
    folder: str | None,
    workers: int,
    engine: str = "local",
) -> None:
    url = base_url(host, port)
    out = console()
    out.print(f"[bold]Steward inference server[/bold] for {deployment}", markup=True, highlight=False)
    for line in (
        f"  Serving:          {', '.join(routes)}",
        f"  Open Inference:   POST {url}/v2/models/{deployment}/infer",
        f"  MLflow scoring:   POST {url}/invocations",
        f"  Ready:            {url}/v2/health/ready     Metrics: {url}/metrics",
        f"  Payload log:      {folder if folder is not None else 'off'}",
        f"  {('Replicas:' if engine == 'ray' else 'Workers:'):<18}{workers}"
        + (" (metrics are per replica)" if engine == "ray" and workers > 1 else ""),
        "  Press Ctrl+C to stop.",
    ):
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if not is_loopback(host):
        note(
            f"Warning: listening on {host}: there is no sign-in yet; anyone reaching port {port} can call it."
        )
