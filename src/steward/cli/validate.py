"""``steward validate``: run a validation suite on a holdout file; ``steward validations``: read runs back.

``steward validate`` exits with :data:`~steward.cli.output.EXIT_GATE_FAILED`
when a check fails or errors, so it drops into a CI pipeline as a gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.cli.options import JsonOption, open_client
from steward.cli.output import EXIT_GATE_FAILED, cell, console, note, print_json, show, table, when
from steward.core.registry import ModelRef
from steward.core.validation.results import ValidationRun
from steward.sdk.validation import as_suite
from steward.services.datasets import load_table

RefArg = Annotated[
    str,
    typer.Argument(
        metavar="MODEL_REF", help="A version: churn/3, churn@challenger, churn (latest).", show_default=False
    ),
]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", metavar="FILE", help="Also write the run's HTML report (with plots) to FILE."),
]
_STYLE = {"pass": "green", "fail": "red", "error": "red", "not_estimable": "yellow"}


def validate(
    ctx: typer.Context,
    *,
    ref: RefArg,
    data: Annotated[
        Path,
        typer.Option(
            "--data", metavar="FILE", help="The holdout: a Parquet or CSV file.", show_default=False
        ),
    ],
    target: Annotated[
        str, typer.Option("--target", metavar="COLUMN", help="The label column.", show_default=False)
    ],
    suite: Annotated[
        Path | None,
        typer.Option(
            "--suite", metavar="FILE", help="A YAML suite of checks. Default: the task's own suite."
        ),
    ] = None,
    against: Annotated[
        str,
        typer.Option(
            "--against",
            metavar="REF",
            help="The baseline for no-regression checks: an alias of the model, a version, or 'none'.",
        ),
    ] = "champion",
    sensitive: Annotated[
        list[str] | None,
        typer.Option("--sensitive", metavar="COLUMN", help="A sensitive feature for fairness (repeatable)."),
    ] = None,
    report: ReportOption = None,
    json: JsonOption = False,
) -> None:
    """Validate MODEL_REF on the rows of --data and store the run on the version.

    Exits 8 when a check fails or errors (checks that are not estimable are
    reported, and do not fail the run).
    """
    ModelRef.parse(ref)
    chosen = as_suite(suite)
    frame = load_table(data)
    with open_client(ctx) as client:
        with _Bar() as bar:
            run = client.validate(
                ref,
                frame,
                target,
                suite=chosen,
                against=None if against.lower() == "none" else against,
                sensitive=sensitive or [],
                progress=bar.update,
            )
        if report is not None:
            report.write_text(client.validation_report(run.ref, run.id), encoding="utf-8")
    _finish(run, report, json)


def validations(
    ctx: typer.Context,
    *,
    ref: RefArg,
    run_id: Annotated[
        int | None, typer.Option("--run", metavar="ID", help="Show this run's checks instead of the list.")
    ] = None,
    report: ReportOption = None,
    json: JsonOption = False,
) -> None:
    """List MODEL_REF's validation runs, newest first, or show one with --run ID."""
    ModelRef.parse(ref)
    with open_client(ctx) as client:
        if run_id is None:
            runs = client.validation_runs(ref)
        else:
            run = client.validation_run(ref, run_id)
            if report is not None:
                report.write_text(client.validation_report(ref, run_id), encoding="utf-8")
    if run_id is not None:
        _finish(run, report, json, gate=False)
        return
    if json:
        print_json([r.to_dict() for r in runs])
        return
    grid = table("Run", "Created (UTC)", "By", "Rows", "Against", "Result", "Failed")
    for r in runs:
        grid.add_row(
            str(r.id),
            when(r.created_at),
            cell(r.created_by),
            str(r.rows),
            cell(r.against),
            "passed" if r.passed else "[red]failed[/red]",
            cell(", ".join(r.failed)),
        )
    show(grid)


def _finish(run: ValidationRun, report: Path | None, json: bool, *, gate: bool = True) -> None:
    if json:
        print_json(run.to_dict())
    else:
        grid = table("Check", "Status", "Value", "Detail", title=f"Validation run {run.id} of {run.ref}")
        for c in run.checks:
            style = _STYLE[c.status]
            grid.add_row(cell(c.name), f"[{style}]{c.status}[/{style}]", cell(c.value), cell(c.message))
        show(grid)
        verdict = "passed" if run.passed else f"failed: {', '.join(run.failed)}"
        note(
            f"{run.rows} rows, data {run.data_fingerprint[:12]}, baseline {run.against or 'none'}: {verdict}."
        )
        if report is not None:
            note(f"Report written to {report}")
    if gate and not run.passed:
        raise typer.Exit(EXIT_GATE_FAILED)


class _Bar:
    """A progress bar on stderr (only on a terminal), fed ``update(check, done, total)``."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("Validating", total=None)

    def __enter__(self) -> _Bar:
        if self.progress.console.is_terminal:
            self.progress.start()
        return self

    def update(self, check: str, done: int, total: int) -> None:
        self.progress.update(self.task, description=f"Validating: {check}", completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
