"""``steward retrain``: declare how a model is retrained, start, watch and cancel runs."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli.options import JsonOption, ReasonOption, open_client, parse_pairs
from steward.cli.output import cell, key_value_table, print_json, show, table
from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import ConfiguredRetraining, RetrainConfig
from steward.sdk.validation import as_suite

app = typer.Typer(
    help="Retraining: a model's training entry point run on alerts, performance drops, a schedule or "
    "by hand; the candidate is registered, validated against the champion and proposed.",
    no_args_is_help=True,
)

ModelArg = Annotated[str, typer.Argument(metavar="MODEL", help="The model's name.", show_default=False)]
IdArg = Annotated[
    int,
    typer.Argument(metavar="ID", min=1, help="The run's id (`steward retrain runs`).", show_default=False),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="A training param (repeatable); JSON values are parsed."
    ),
]


def _params(values: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, text in parse_pairs(values, "--param", "max_depth=4").items():
        try:
            out[key] = jsonlib.loads(text)
        except ValueError:
            out[key] = text
    return out


def _location(value: str) -> str:
    """Local paths become absolute: the control plane that runs the entry point has its own cwd."""
    return value if "://" in value else str(Path(value).expanduser().resolve())


@app.command("config")
def config(
    ctx: typer.Context,
    model: ModelArg,
    *,
    entry: Annotated[
        str,
        typer.Option(
            "--entry",
            metavar="ENTRY",
            help="'package.module:function' (called with a context, returns the fitted model) or a command "
            "such as 'python train.py' (reads STEWARD_* variables, calls save_candidate).",
        ),
    ],
    data: Annotated[
        str,
        typer.Option("--data", metavar="PATH", help="The training table: a .parquet or .csv path or URL."),
    ],
    target: Annotated[str, typer.Option("--target", metavar="COLUMN", help="The label column of the data.")],
    holdout: Annotated[
        str | None,
        typer.Option(
            "--holdout", metavar="PATH", help="Validate candidates on this table (default: --data)."
        ),
    ] = None,
    param: ParamOption = None,
    alerts: Annotated[
        str,
        typer.Option(
            "--alerts",
            metavar="PATTERNS",
            help="Alert rule names or globs that trigger a run, comma-separated; '' turns alerts off.",
        ),
    ] = "*",
    performance: Annotated[
        str | None,
        typer.Option(
            "--performance", metavar="RULE", help="Run when a figure crosses a line: 'performance.auc < 0.8'."
        ),
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", metavar="CRON", help="A cron expression in UTC, e.g. '0 3 * * *'."),
    ] = None,
    champion: Annotated[
        str, typer.Option("--champion", metavar="ALIAS", help="The alias candidates are validated against.")
    ] = "champion",
    suite: Annotated[
        str | None,
        typer.Option("--suite", metavar="FILE", help="A YAML validation suite (default: the task's)."),
    ] = None,
    after: Annotated[
        str,
        typer.Option(
            "--after",
            metavar="WHAT",
            help="'approval' (request approval for the champion alias) or 'alias:NAME' (move NAME, if policy "
            "allows).",
        ),
    ] = "approval",
    engine: Annotated[
        str, typer.Option("--engine", metavar="ENGINE", help="'local' (a process) or 'ray' (a Ray task).")
    ] = "local",
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", help="Kill the entry point after this long.")
    ] = 3600.0,
    json: JsonOption = False,
) -> None:
    """Declare (or replace) how MODEL is retrained."""
    chosen = as_suite(suite)
    made = RetrainConfig(
        model=model,
        entry=entry,
        data=_location(data),
        target=target,
        holdout=_location(holdout) if holdout else None,
        params=_params(param),
        alerts=tuple(p.strip() for p in alerts.split(",") if p.strip()),
        performance=performance,
        schedule=schedule,
        champion=champion,
        suite=chosen.to_dict() if chosen is not None else None,
        after=after,
        engine=engine,
        timeout_s=timeout,
    ).checked()
    with open_client(ctx) as client:
        stored = client.configure_retraining(made)
    if json:
        print_json(stored.to_dict())
        return
    _show_config(stored)


@app.command("show")
def show_config(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Argument(metavar="[MODEL]")] = None,
    *,
    json: JsonOption = False,
) -> None:
    """MODEL's retraining config, or every model's."""
    with open_client(ctx) as client:
        found = [client.retraining_config(model)] if model else client.retraining_configs()
    if json:
        print_json(found[0].to_dict() if model else {"items": [c.to_dict() for c in found]})
        return
    if not found:
        show(
            "No model is configured for retraining. Add one with `steward retrain config MODEL --entry … "
            "--data … --target …`."
        )
        return
    if model:
        _show_config(found[0])
        return
    grid = table("model", "entry", "triggers", "after", "engine", "next tick")
    for c in found:
        grid.add_row(
            c.config.model,
            cell(c.config.entry),
            _triggers(c),
            c.config.after,
            c.config.engine,
            cell(c.next_due),
        )
    show(grid)


@app.command("remove")
def remove(ctx: typer.Context, model: ModelArg, json: JsonOption = False) -> None:
    """Stop retraining MODEL on triggers (its runs stay listed)."""
    with open_client(ctx) as client:
        removed = client.remove_retraining(model)
    if json:
        print_json(removed.to_dict())
        return
    show(f"Removed the retraining config of {removed.config.model}.")


@app.command("run")
def run(
    ctx: typer.Context,
    model: ModelArg,
    *,
    reason: ReasonOption = "",
    param: ParamOption = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="Wait for the run to finish (embedded: run it here); exit 1 unless it succeeded."
        ),
    ] = False,
    json: JsonOption = False,
) -> None:
    """Start a retraining run of MODEL now."""
    with open_client(ctx) as client:
        made = client.run_retraining(model, reason=reason, params=_params(param) or None, wait=wait)
    if json:
        print_json(made.to_dict())
    elif wait:
        _show_run(made)
    else:
        show(f"Queued run {made.id} of {made.model}; follow it with `steward retrain status {made.id}`.")
    if wait and made.state != "succeeded":
        raise typer.Exit(1)


@app.command("runs")
def runs(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Argument(metavar="[MODEL]", help="Only this model's runs.")] = None,
    *,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many, newest first.")
    ] = 50,
    json: JsonOption = False,
) -> None:
    """Retraining runs, newest first (triggers skipped while a run was active included)."""
    with open_client(ctx) as client:
        found = client.retraining_runs(model, limit=limit)
    if json:
        print_json({"items": [r.to_dict() for r in found]})
        return
    if not found:
        show("No retraining runs.")
        return
    grid = table("id", "model", "trigger", "state", "progress", "candidate", "outcome / error", "created")
    for r in found:
        grid.add_row(
            cell(r.id),
            r.model,
            r.trigger,
            r.state,
            f"{r.progress:.0%}",
            cell(r.candidate),
            cell(r.error or r.outcome),
            cell(r.created_at),
        )
    show(grid)


@app.command("status")
def status(ctx: typer.Context, run_id: IdArg, json: JsonOption = False) -> None:
    """One run: its trigger, state, progress, candidate, validation and outcome."""
    with open_client(ctx) as client:
        found = client.retraining_run(run_id)
    if json:
        print_json(found.to_dict())
        return
    _show_run(found)


@app.command("logs")
def logs(
    ctx: typer.Context,
    run_id: IdArg,
    tail: Annotated[int, typer.Option("--tail", min=1, max=10_000, help="The last N lines.")] = 200,
) -> None:
    """The end of a run's log (the entry point's stdout and stderr, and Steward's steps)."""
    with open_client(ctx) as client:
        text = client.retraining_logs(run_id, tail=tail)
    typer.echo(text)


@app.command("cancel")
def cancel(ctx: typer.Context, run_id: IdArg, *, reason: ReasonOption = "", json: JsonOption = False) -> None:
    """Cancel a queued or running run; a running entry point's process is killed."""
    with open_client(ctx) as client:
        done = client.cancel_retraining(run_id, reason=reason)
    if json:
        print_json(done.to_dict())
        return
    show(f"Cancelled run {done.id} of {done.model}.")


def _triggers(c: ConfiguredRetraining) -> str:
    parts = []
    if c.config.alerts:
        parts.append(f"alerts {','.join(c.config.alerts)}")
    if c.config.performance:
        parts.append(c.config.performance)
    if c.config.schedule:
        parts.append(f"cron {c.config.schedule}")
    return "; ".join(parts) or "manual only"


def _show_config(c: ConfiguredRetraining) -> None:
    k = c.config
    show(
        key_value_table(
            [
                ("model", k.model),
                ("entry", k.entry),
                ("data", k.data),
                ("target", k.target),
                ("holdout", k.holdout or "(the data)"),
                ("params", jsonlib.dumps(k.params) if k.params else ""),
                ("triggers", _triggers(c)),
                ("next tick", cell(c.next_due)),
                ("champion", k.champion),
                ("after", k.after),
                ("engine", k.engine),
                ("timeout", f"{k.timeout_s:g} s"),
                ("updated", f"{cell(c.updated_at)} by {c.updated_by}"),
            ],
            title=f"Retraining of {k.model}",
        )
    )


def _show_run(r: RetrainRun) -> None:
    show(
        key_value_table(
            [
                ("run", r.id),
                ("model", r.model),
                ("trigger", f"{r.trigger}: {r.trigger_detail}"),
                ("state", r.state),
                ("progress", f"{r.progress:.0%} {r.message}".strip()),
                ("parent", cell(r.parent)),
                ("candidate", cell(r.candidate)),
                (
                    "validation",
                    ""
                    if r.validation_run is None
                    else f"run {r.validation_run}: {'passed' if r.validation_passed else 'failed'}",
                ),
                ("approval", cell(r.approval)),
                ("outcome", r.outcome),
                ("error", r.error),
                ("engine", r.engine),
                ("created", f"{cell(r.created_at)} by {r.created_by}"),
                ("started", cell(r.started_at)),
                ("finished", cell(r.finished_at)),
                ("log", r.log_path),
            ],
            title=f"Retraining run {r.id}",
        )
    )
