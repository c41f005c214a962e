"""``steward monitor``: references, runs, labels, figures, reports and alert rules of deployments."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli.modelfile import read_table
from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, console, key_value_table, note, print_json, show, table
from steward.core.alerts import parse_duration
from steward.core.errors import InvalidInputError
from steward.core.search import parse_time

app = typer.Typer(
    help="Watch deployments: reference profiles, drift and quality per window, labels, reports, alerts.",
    no_args_is_help=True,
)
alerts_app = typer.Typer(
    help="Alert rules on monitoring figures, and the alerts they fire.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")

DeploymentArg = Annotated[
    str, typer.Argument(metavar="DEPLOYMENT", help="The deployment's name.", show_default=False)
]
TimeOption = Annotated[
    str | None, typer.Option(metavar="TIME", help="ISO 8601 time, e.g. 2026-01-31T12:00Z.")
]


class FileProgress:
    """A Rich progress bar over payload-log files on stderr (terminals only)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        err = console(stderr=True)
        self.shown = err.is_terminal
        self.bar = Progress(
            TextColumn("Profiling payload-log files"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True,
        )  # fmt: skip
        self.task: Any = None

    def __call__(self, done: int, total: int, name: str) -> None:
        if self.task is None:
            self.task = self.bar.add_task("files", total=total)
            if self.shown:
                self.bar.start()
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.shown and self.task is not None:
            self.bar.stop()


def _weights(items: list[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in items:
        feature, _, weight = item.rpartition("=")
        try:
            weights[feature] = float(weight)
        except ValueError:
            feature = ""
        if not feature:
            raise InvalidInputError(f"--importance takes FEATURE=WEIGHT (e.g. tenure=0.4), not {item!r}.")
    return weights


@app.command("set-reference")
def set_reference(
    ctx: typer.Context,
    *,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The version: churn/3 or churn@champion.")],
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Reference sample (.csv or .parquet).")],
    labels: Annotated[
        str | None, typer.Option("--labels", metavar="COLUMN", help="The column of DATA holding true labels.")
    ] = None,
    task: Annotated[
        str | None,
        typer.Option("--task", metavar="TASK", help="classification or regression (default: inferred)."),
    ] = None,
    importance: Annotated[
        list[str] | None,
        typer.Option(
            "--importance",
            metavar="FEATURE=WEIGHT",
            help="A feature's weight for drift.weighted (repeat; default: stored permutation importance).",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Profile DATA, with the version's own predictions on it, as what its traffic is compared with."""
    weights = _weights(importance) if importance else None
    frame = read_table(data, "DATA")
    with open_client(ctx) as client:
        info = client.set_reference(ref, frame, labels=labels, task=task, importance=weights)
    if json:
        print_json(info.to_dict())
        return
    rows = [
        ("version", info.ref),
        ("task", info.task),
        ("rows", info.rows),
        ("features", ", ".join(info.features)),
    ]
    show(key_value_table([*rows, ("labels", "yes" if info.has_labels else "no")], title="Reference set"))


@app.command("configure")
def configure(
    ctx: typer.Context,
    *,
    deployment: DeploymentArg,
    window: Annotated[
        str, typer.Option("--window", metavar="WINDOW", help="hour, day, or rows:N (every N rows).")
    ] = "hour",
    numeric_method: Annotated[
        str | None,
        typer.Option("--numeric-method", metavar="METHOD", help="wasserstein, psi, ks, jensenshannon."),
    ] = None,
    categorical_method: Annotated[
        str | None, typer.Option("--categorical-method", metavar="METHOD", help="jensenshannon, psi, chi2.")
    ] = None,
    multivariate_sample: Annotated[
        int | None,
        typer.Option(
            "--multivariate-sample", metavar="ROWS", help="Rows per window kept for multivariate drift."
        ),
    ] = None,
) -> None:
    """Set DEPLOYMENT's window length and drift settings (before its first run)."""
    chosen = (
        ("numeric_method", numeric_method),
        ("categorical_method", categorical_method),
        ("multivariate_sample", multivariate_sample),
    )
    drift = {k: v for k, v in chosen if v is not None}
    with open_client(ctx) as client:
        client.configure_monitoring(deployment, window=window, drift=drift)
    note(f"Monitoring {deployment} in {window} windows.")


@app.command("run")
def run(
    ctx: typer.Context,
    *,
    deployment: DeploymentArg,
    engine: Annotated[
        str,
        typer.Option("--engine", metavar="ENGINE", help="local (this process) or ray (files as Ray tasks)."),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            metavar="ADDRESS",
            help="With --engine ray: the cluster (auto, ray://host:10001). Default: a local Ray.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Process the payload-log files of DEPLOYMENT no run has read yet, and evaluate alert rules."""
    progress = FileProgress()
    try:
        with open_client(ctx) as client:
            summary = client.run_monitoring(
                deployment, progress=progress, engine=engine, ray_address=ray_address
            )
    finally:
        progress.close()
    if json:
        print_json(summary.to_dict())
        return
    show(
        key_value_table(
            [
                ("files", summary.files),
                ("rows", summary.rows),
                ("windows", ", ".join(summary.windows) or "-"),
                ("figures", summary.figures),
                ("alerts fired", summary.alerts_fired),
                ("alerts resolved", summary.alerts_resolved),
            ],
            title=f"Monitoring run of {deployment}",
        )
    )
    for line in summary.notes:
        note(line)


@app.command("labels")
def labels(
    ctx: typer.Context,
    *,
    deployment: DeploymentArg,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="request_id, label (and row) as .csv or .parquet.")
    ],
    label_column: Annotated[
        str, typer.Option("--label-column", metavar="COLUMN", help="The column holding the labels.")
    ] = "label",
    json: JsonOption = False,
) -> None:
    """Join ground truth to logged predictions by request id and recompute performance per window."""
    frame = read_table(file, "FILE")
    with open_client(ctx) as client:
        summary = client.log_labels(deployment, frame, label_column=label_column)
    if json:
        print_json(summary.to_dict())
        return
    show(
        key_value_table(
            [
                ("received", summary.received),
                ("replaced earlier labels", summary.replaced),
                ("matched a prediction", summary.matched),
                ("unknown request ids", summary.unknown),
                ("performance figures", summary.figures),
            ],
            title=f"Labels for {deployment}",
        )
    )
    if summary.unknown:
        note(
            "Unknown request ids (kept, in case their predictions arrive): "
            + ", ".join(summary.unknown_examples)
        )


@app.command("figures")
def figures(
    ctx: typer.Context,
    *,
    deployment: DeploymentArg,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", metavar="PATTERN", help="Figure name or glob: drift.*, error_rate."),
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", metavar="REF", help="Only this version.")
    ] = None,
    since: TimeOption = None,
    until: TimeOption = None,
    json: JsonOption = False,
) -> None:
    """Figures per window (drift, quality, performance, latency, errors), oldest first."""
    start = parse_time(since, "--since time") if since else None
    end = parse_time(until, "--until time") if until else None
    with open_client(ctx) as client:
        found = client.figures(deployment, name, version=version, since=start, until=end)
    if json:
        print_json({"items": [f.to_dict() for f in found]})
        return
    grid = table("window (UTC)", "version", "figure", "value", "note")
    for f in found:
        grid.add_row(
            cell(f.start), cell(f.version), cell(f.name), cell(f.value), cell(f.details.get("message"))
        )
    show(grid)


@app.command("report")
def report(
    ctx: typer.Context,
    *,
    deployment: DeploymentArg,
    window: Annotated[
        str, typer.Option("--window", metavar="WINDOW", help="latest, all, or a window's start time (ISO).")
    ] = "latest",
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here.")] = None,
    json: JsonOption = False,
) -> None:
    """Write the monitoring report: one self-contained HTML page (or JSON with --json)."""
    if output is None and not json:
        raise InvalidInputError("Give --output report.html (or --json to print the report as JSON).")
    if output is not None and not output.parent.is_dir():
        raise InvalidInputError(f"Cannot write {output}: the folder {output.parent} does not exist.")
    with open_client(ctx) as client:
        content = client.monitoring_report(deployment, window, html=not json)
    if output is None:
        print_json(content)
        return
    import json as json_module

    text = json_module.dumps(content, indent=2) if json else str(content)
    output.write_text(text, encoding="utf-8")
    note(f"Wrote {output} ({len(text.encode()) // 1024} KiB).")


# -- alerts ---------------------------------------------------------------------


@alerts_app.command("set")
def set_rule(
    ctx: typer.Context,
    *,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The rule's name.")],
    pattern: Annotated[
        str, typer.Argument(metavar="FIGURE", help="Figure name or glob: drift.share, drift.*")
    ],
    comparison: Annotated[str, typer.Argument(metavar="OP", help="> >= < <=")],
    threshold: Annotated[float, typer.Argument(metavar="THRESHOLD")],
    severity: Annotated[
        str, typer.Option("--severity", metavar="LEVEL", help="info, warning, critical.")
    ] = "warning",
    for_windows: Annotated[
        int, typer.Option("--for", metavar="N", help="Fire after N breaching windows in a row.")
    ] = 1,
    cooldown: Annotated[
        str, typer.Option("--cooldown", metavar="DURATION", help="e.g. 6h: no refiring sooner.")
    ] = "0",
    deployment: Annotated[
        str | None, typer.Option("--deployment", metavar="NAME", help="Only this one.")
    ] = None,
    webhook: Annotated[str | None, typer.Option("--webhook", metavar="URL", help="POST alerts here.")] = None,
    secret: Annotated[
        str | None, typer.Option("--secret", metavar="TEXT", help="HMAC key for --webhook.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", metavar="ADDRESS", help="Mail alerts here.")] = None,
    smtp: Annotated[
        str, typer.Option("--smtp", metavar="HOST:PORT", help="SMTP server for --email.")
    ] = "localhost:25",
    sender: Annotated[
        str, typer.Option("--from", metavar="ADDRESS", help="Sender for --email.")
    ] = "steward@localhost",
) -> None:
    """Create or replace alert rule NAME: fire when FIGURE OP THRESHOLD (log, webhook, email)."""
    notifiers: list[dict[str, Any]] = [{"type": "log"}]
    if webhook:
        notifiers.append({"type": "webhook", "url": webhook, **({"secret": secret} if secret else {})})
    if email:
        host, _, port = smtp.partition(":")
        if not host or (port and not port.isdigit()):
            raise InvalidInputError(
                f"Bad --smtp {smtp!r}: write HOST or HOST:PORT, e.g. mail.example.com:587."
            )
        notifiers.append(
            {"type": "email", "host": host, "port": int(port or 25), "sender": sender, "to": [email]}
        )
    with open_client(ctx) as client:
        rule = client.set_alert_rule(
            name, pattern, comparison, threshold, severity=severity, for_windows=for_windows,
            cooldown=_duration(cooldown), deployment=deployment, notifiers=notifiers,
        )  # fmt: skip
    note(f"Rule {rule.name}: {rule.pattern} {rule.comparison} {rule.threshold:g} ({rule.severity}).")


def _duration(text: str) -> timedelta:
    return parse_duration(text)


@alerts_app.command("rules")
def rules(ctx: typer.Context, *, json: JsonOption = False) -> None:
    """List the alert rules (secrets hidden)."""
    with open_client(ctx) as client:
        found = client.alert_rules()
    if json:
        print_json({"items": [r.to_dict(redact=True) for r in found]})
        return
    grid = table("rule", "condition", "severity", "for", "cooldown", "deployment", "notifiers")
    for r in found:
        grid.add_row(
            cell(r.name), cell(f"{r.pattern} {r.comparison} {r.threshold:g}"), cell(r.severity),
            cell(r.for_windows), cell(str(r.cooldown)), cell(r.deployment or "all"),
            cell(", ".join(str(n["type"]) for n in r.notifiers)),
        )  # fmt: skip
    show(grid)


@alerts_app.command("delete")
def delete(ctx: typer.Context, *, name: Annotated[str, typer.Argument(metavar="NAME")]) -> None:
    """Delete alert rule NAME and its alerts."""
    with open_client(ctx) as client:
        client.delete_alert_rule(name)
    note(f"Deleted rule {name}.")


@alerts_app.command("list")
def list_alerts(
    ctx: typer.Context,
    *,
    status: Annotated[
        str | None, typer.Option("--status", metavar="STATUS", help="firing or resolved.")
    ] = None,
    deployment: Annotated[str | None, typer.Option("--deployment", metavar="NAME")] = None,
    json: JsonOption = False,
) -> None:
    """Alerts, newest first."""
    with open_client(ctx) as client:
        found = client.alerts(status=status, deployment=deployment)
    if json:
        print_json({"items": [a.to_dict() for a in found]})
        return
    grid = table(
        "#", "rule", "status", "severity", "deployment", "version", "figure", "value", "window (UTC)"
    )
    for a in found:
        grid.add_row(
            cell(a.id), cell(a.rule), cell(a.status), cell(a.severity), cell(a.deployment), cell(a.version),
            cell(a.figure), cell(a.value), cell(a.window_start),
        )  # fmt: skip
    show(grid)
