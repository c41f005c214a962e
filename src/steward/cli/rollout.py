"""``steward rollout``: a challenger stepped up on a deployment while guardrails hold."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, key_value_table, note, print_json, show, table, when
from steward.core.errors import InvalidInputError
from steward.core.rollout import parse_duration
from steward.core.rollout_records import Rollout, RolloutStatus

app = typer.Typer(
    help="Progressive rollout: canary steps judged by guardrails, automatic rollback, shadow comparison.",
    no_args_is_help=True,
)

DeploymentArg = Annotated[
    str, typer.Argument(metavar="DEPLOYMENT", help="The deployment's name.", show_default=False)
]


def parse_steps(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidInputError(
            f"Invalid --steps {text!r}: write weights in percent, e.g. 5,25,50,100."
        ) from None


def parse_metric(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    name, sep, value = text.partition("=")
    try:
        if sep:
            return {"metric": name.strip(), "min_metric": float(value)}
    except ValueError:
        pass
    raise InvalidInputError(f"Invalid --min-metric {text!r}: write METRIC=VALUE, e.g. accuracy=0.8.")


@app.command("start")
def start(
    ctx: typer.Context,
    deployment: DeploymentArg,
    challenger: Annotated[
        str, typer.Argument(metavar="CHALLENGER", help="Version or alias: churn/7, churn@challenger.")
    ],
    steps: Annotated[
        str, typer.Option("--steps", metavar="W,W,…", help="Weights in percent.")
    ] = "5,25,50,100",
    every: Annotated[
        str, typer.Option("--every", metavar="DURATION", help="Each step's length: 30s, 10m, 1h.")
    ] = "10m",
    min_requests: Annotated[
        int,
        typer.Option(
            "--min-requests", metavar="N", help="Challenger requests a step needs before it is judged."
        ),
    ] = 100,
    max_error_rate: Annotated[
        float | None, typer.Option("--max-error-rate", metavar="R", help="Share of 5xx answers, e.g. 0.01.")
    ] = 0.05,
    max_error_increase: Annotated[
        float | None,
        typer.Option("--max-error-increase", metavar="R", help="Error rate above the champion's."),
    ] = None,
    max_p99_ms: Annotated[
        float | None, typer.Option("--max-p99-ms", metavar="MS", help="p99 latency.")
    ] = None,
    max_p99_ratio: Annotated[
        float | None, typer.Option("--max-p99-ratio", metavar="X", help="p99 over the champion's p99.")
    ] = None,
    max_drift: Annotated[
        float | None, typer.Option("--max-drift", metavar="D", help="Prediction drift against the champion.")
    ] = None,
    drift_statistic: Annotated[
        str, typer.Option("--drift-statistic", metavar="S", help="psi, js or ks.")
    ] = "psi",
    min_metric: Annotated[
        str | None, typer.Option("--min-metric", metavar="M=V", help="Once labels arrive, e.g. accuracy=0.8.")
    ] = None,
    alias: Annotated[
        str | None, typer.Option("--alias", metavar="ALIAS", help="Moved to the challenger on promotion.")
    ] = None,
    shadow_first: Annotated[
        str,
        typer.Option(
            "--shadow-first", metavar="DURATION", help="Run as a shadow this long first (e.g. 30m)."
        ),
    ] = "0s",
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why, for the audit trail.")] = "",
    json: JsonOption = False,
) -> None:
    """Put CHALLENGER on DEPLOYMENT at the first weight; the controller steps it up while guardrails hold."""
    weights = parse_steps(steps)
    with open_client(ctx) as client:
        rollout = client.start_rollout(
            deployment,
            challenger,
            steps=weights,
            every=every,
            min_requests=min_requests,
            alias=alias,
            shadow_first=shadow_first,
            reason=reason,
            max_error_rate=max_error_rate,
            max_error_increase=max_error_increase,
            max_p99_ms=max_p99_ms,
            max_p99_ratio=max_p99_ratio,
            max_drift=max_drift,
            drift_statistic=drift_statistic,
            **parse_metric(min_metric),
        )
    if json:
        print_json(rollout.to_dict())
        return
    first = "shadows" if rollout.shadowing else f"takes {rollout.weight:g}% of"
    note(
        f"Rollout {rollout.id}: {rollout.challenger} {first} {deployment} "
        f"(steps {', '.join(f'{s:g}%' for s in rollout.plan.steps)}, every {rollout.plan.step_seconds:g} s). "
        f"Watch it with `steward rollout status {deployment}`."
    )


@app.command("status")
def status(ctx: typer.Context, deployment: DeploymentArg, *, json: JsonOption = False) -> None:
    """The latest rollout: its step and weight, the guardrail readings against their limits, its history."""
    with open_client(ctx) as client:
        found = client.rollout(deployment)
    if json:
        print_json(found.to_dict())
        return
    show_status(found)


def show_status(found: RolloutStatus) -> None:
    r = found.rollout
    g = r.plan.guardrails
    rows: list[tuple[str, object]] = [
        ("rollout", r.id),
        ("state", r.state),
        ("champion", r.champion),
        ("challenger", f"{r.challenger} at {r.weight:g}%"),
        ("steps", _steps(r)),
        ("started", f"{when(r.started_at)} by {r.started_by}"),
        ("reason", r.reason),
    ]
    if found.challenger is not None and found.champion is not None:
        c, base = found.challenger, found.champion
        rows += [
            ("requests", f"challenger {c.requests} (step), champion {base.requests} (rollout)"),
            (
                "error rate",
                f"{cell(c.error_rate)} (max {cell(g.max_error_rate)}); champion {cell(base.error_rate)}",
            ),
            (
                "p99 ms",
                f"{cell(c.p99_ms)} (max {cell(g.max_p99_ms)}, x{cell(g.max_p99_ratio)}); "
                f"champion {cell(base.p99_ms)}",
            ),
            ("drift", f"{g.drift_statistic} {cell(c.drift)} (max {cell(g.max_drift)})"),
            (
                "metric",
                f"{g.metric or '-'} {cell(c.metric)} on {c.labelled} labels (min {cell(g.min_metric)})",
            ),
        ]
    if found.verdict is not None:
        rows.append(("next", f"{found.verdict.action.value}: {found.verdict.reason}"))
    show(key_value_table(rows, title=f"Rollout of {r.deployment}"))
    history = table("at", "event", "weight", "reason", title="History")
    for event in r.history:
        history.add_row(when(event.at), event.kind, f"{event.weight:g}%", event.reason)
    show(history)


def _steps(r: Rollout) -> str:
    shadow = f"shadow {r.plan.shadow_seconds:g} s, " if r.plan.shadow_seconds else ""
    now = "the shadow phase" if r.step < 0 else f"step {r.step + 1}"
    return shadow + ", ".join(f"{s:g}%" for s in r.plan.steps) + f" (now {now})"


@app.command("list")
def list_rollouts(
    ctx: typer.Context,
    deployment: Annotated[str | None, typer.Argument(metavar="[DEPLOYMENT]", show_default=False)] = None,
    *,
    json: JsonOption = False,
) -> None:
    """Rollouts, newest first (of one deployment when named)."""
    with open_client(ctx) as client:
        found = client.rollouts(deployment)
    if json:
        print_json({"items": [r.to_dict() for r in found]})
        return
    if not found:
        show("No rollouts. Start one with `steward rollout start DEPLOYMENT MODEL/VERSION`.")
        return
    show(_table(found))


def _table(found: list[Rollout]) -> Any:
    out = table("id", "deployment", "challenger", "state", "weight", "started", "reason")
    for r in found:
        out.add_row(
            str(r.id), r.deployment, r.challenger, r.state, f"{r.weight:g}%", when(r.started_at), r.reason
        )
    return out


@app.command("abort")
def abort(
    ctx: typer.Context,
    deployment: DeploymentArg,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why, for the audit trail.")] = "",
    json: JsonOption = False,
) -> None:
    """Stop the running rollout: the champion alone answers again."""
    with open_client(ctx) as client:
        aborted = client.abort_rollout(deployment, reason=reason)
    if json:
        print_json(aborted.to_dict())
        return
    note(f"Rollout {aborted.id} aborted: {deployment} serves {aborted.champion} alone.")


@app.command("tick")
def tick(ctx: typer.Context, *, json: JsonOption = False) -> None:
    """Judge every running rollout once now (what `steward server` does every few seconds)."""
    with open_client(ctx) as client:
        changed = client.tick_rollouts()
    if json:
        print_json({"items": [r.to_dict() for r in changed]})
        return
    for r in changed:
        note(f"Rollout {r.id} of {r.deployment}: {r.state} at {r.weight:g}%: {r.reason}")
    if not changed:
        note("No rollout changed.")


@app.command("compare")
def compare(
    ctx: typer.Context,
    deployment: DeploymentArg,
    since: Annotated[str, typer.Option("--since", metavar="DURATION", help="How far back: 15m, 1h.")] = "15m",
    statistic: Annotated[str, typer.Option("--statistic", metavar="S", help="psi, js or ks.")] = "psi",
    json: JsonOption = False,
) -> None:
    """Each shadow's answers against the primary's for the same requests (joined by request id)."""
    seconds = parse_duration(since)
    with open_client(ctx) as client:
        found = client.compare_shadow(deployment, since=seconds, statistic=statistic)
    if json:
        print_json({"items": [c.to_dict() for c in found]})
        return
    if not found:
        show(f"No shadow answers for {deployment} in the last {since}.")
        return
    out = table("shadow", "requests", "rows", "agreement", "mean |diff|", "max |diff|", "drift", "errors")
    for c in found:
        out.add_row(
            c.shadow, str(c.pairs), str(c.rows), cell(c.agreement), cell(c.mean_abs_diff),
            cell(c.max_abs_diff), f"{c.drift_statistic} {cell(c.drift)}", str(c.shadow_errors),
        )  # fmt: skip
    show(out)
