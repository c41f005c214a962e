"""``steward explain``: why a version predicts what it does, on a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.cli.options import JsonOption, open_client
from steward.cli.output import cell, console, note, print_json, show, table
from steward.core.errors import InvalidInputError
from steward.core.explain import KINDS, Explanation, explanation_to_dict
from steward.core.explain.charts import FORMATS, to_chart
from steward.core.registry import ModelRef
from steward.services.datasets import load_table

#: Rows shown at most in the tables (the chart and --json have them all).
SHOWN = 20


def explain(
    ctx: typer.Context,
    *,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="MODEL_REF",
            help="A version: churn/3, churn@champion, churn (latest).",
            show_default=False,
        ),
    ],
    data: Annotated[
        Path,
        typer.Option(
            "--data", metavar="FILE", help="The rows to explain: a Parquet or CSV file.", show_default=False
        ),
    ],
    kind: Annotated[
        str, typer.Option("--kind", "-k", metavar="KIND", help=f"What to explain: {', '.join(KINDS)}.")
    ] = "global",
    row: Annotated[
        int | None,
        typer.Option(
            "--row", metavar="N", help="The row to explain (from 0); implies --kind local if no kind."
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="COLUMN", help="The label column, for permutation importance."),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            metavar="METHOD",
            help="global: permutation or treeshap; local: treeshap, linear or sampling; auto picks.",
        ),
    ] = "auto",
    scoring: Annotated[
        str | None,
        typer.Option("--scoring", metavar="NAME", help="Permutation importance's metric, e.g. roc_auc, r2."),
    ] = None,
    feature: Annotated[
        list[str] | None,
        typer.Option(
            "--feature", "-f", metavar="COLUMN", help="pdp and sensitivity: only this column (repeatable)."
        ),
    ] = None,
    class_index: Annotated[
        int | None,
        typer.Option(
            "--class-index", metavar="I", help="Classifiers: explain this probability column (default last)."
        ),
    ] = None,
    max_rows: Annotated[
        int,
        typer.Option("--max-rows", metavar="N", help="Budget: rows sampled for global, pdp, sensitivity."),
    ] = 1000,
    background: Annotated[
        int,
        typer.Option("--background", metavar="N", help="Budget: background rows for local sampling Shapley."),
    ] = 100,
    n_repeats: Annotated[
        int, typer.Option("--n-repeats", metavar="N", help="Permutation repeats per column.")
    ] = 5,
    grid_size: Annotated[
        int, typer.Option("--grid-size", metavar="N", help="PD/ICE grid points per feature.")
    ] = 20,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of every sample and shuffle.")] = 0,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Also draw the result to FILE (.svg or .png)."),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Explain MODEL_REF on the rows of --data: importance, one row's contributions, PD/ICE, sensitivity.

    The result is stored with the version; the same data and options again
    return it without recomputing.
    """
    ModelRef.parse(ref)
    if row is not None and kind == "global":
        kind = "local"
    fmt = _chart_format(output)
    frame = load_table(data)
    with open_client(ctx) as client, _Bar() as bar:
        found = client.explain(
            ref,
            frame,
            kind=kind,
            method=method,
            row=row,
            target=target,
            scoring=scoring,
            features=feature,
            class_index=class_index,
            n_repeats=n_repeats,
            max_rows=max_rows,
            background=background,
            grid_size=grid_size,
            seed=seed,
            progress=bar.update,
        )
    if output is not None and fmt is not None:
        output.write_bytes(to_chart(found.result, f"{found.ref}: {found.kind}", fmt=fmt))
    if json:
        print_json(explanation_to_dict(found))
        return
    _render(found)
    if output is not None:
        note(f"Chart written to {output}")


def _chart_format(output: Path | None) -> str | None:
    if output is None:
        return None
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise InvalidInputError(f"--output {output.name!r}: draw to a .svg or .png file.")
    return fmt


class _Bar:
    """A progress bar on stderr (only on a terminal), fed ``update(done, total)``."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("Explaining"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("explain", total=None)

    def __enter__(self) -> _Bar:
        if self.progress.console.is_terminal:
            self.progress.start()
        return self

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _render(found: Explanation) -> None:
    r = found.result
    title = f"{found.ref}: {found.kind} ({r.get('method', 'auto')})"
    if found.kind == "global":
        grid = table("Feature", "Importance", "Std", title=title)
        order = sorted(range(len(r["features"])), key=lambda i: -(r["importance"][i] or 0.0))
        for i in order[:SHOWN]:
            grid.add_row(cell(r["features"][i]), cell(r["importance"][i]), cell(r["std"][i]))
        show(grid)
        note(f"Importance: {r['measure']}.")
    elif found.kind == "local":
        grid = table("Feature", "Value", "Contribution", title=title)
        order = sorted(range(len(r["features"])), key=lambda i: -abs(r["values"][i] or 0.0))
        for i in order[:SHOWN]:
            grid.add_row(cell(r["features"][i]), cell(r["feature_values"][i]), cell(r["values"][i]))
        show(grid)
        note(f"{r['output_space']}: base {r['base']:.6g} + contributions = {r['output']:.6g}")
    elif found.kind == "pdp":
        grid = table("Feature", "Grid", "Lowest PD", "Highest PD", title=f"{title}: {r['output']}")
        for curve in r["curves"][:SHOWN]:
            values = [v for v in curve["average"] if v is not None]
            span = f"{cell(curve['grid'][0])} … {cell(curve['grid'][-1])}"
            grid.add_row(cell(curve["feature"]), span, cell(min(values)), cell(max(values)))
        show(grid)
    else:
        grid = table("Feature", "Std", "-1 std", "+1 std", title=f"{title}: {r['output']}")
        for i, name in enumerate(r["features"][:SHOWN]):
            grid.add_row(cell(name), cell(r["std"][i]), cell(r["down"][i]), cell(r["up"][i]))
        show(grid)
        note(f"Mean output {r['base']:.6g}; skipped (not numeric): {', '.join(r['skipped']) or 'none'}.")
    note(_budget(found))


def _budget(found: Explanation) -> str:
    b: dict[str, Any] = found.result.get("budget", {})
    if found.kind == "local":
        used = f"{b.get('background')} background rows" if b.get("background") else "no background (exact)"
    else:
        used = f"{b.get('rows')} of {b.get('rows_total')} rows (--max-rows {b.get('max_rows')})"
    how = "reused, stored" if found.reused else "stored"
    return f"Explanation {found.id} of {found.ref} ({how}); {used}, seed {b.get('seed')}."
