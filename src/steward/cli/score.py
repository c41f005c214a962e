"""``steward score``: a Parquet or CSV file through a model version, into a Parquet or CSV file.

Either may be a local path or an fsspec URL (``s3://bucket/key.parquet``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.cli.options import JsonOption, open_client
from steward.cli.output import console, note, print_json
from steward.core.errors import InvalidInputError
from steward.core.scoring import DEFAULT_BATCH_SIZE
from steward.sdk.scoring import ENGINES


def score(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="MODEL_REF", help="The version: churn/3, churn@champion, churn.")
    ],
    input: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="A .parquet or .csv file of rows to score: a path or a URL (s3://bucket/in.parquet).",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Argument(
            metavar="OUTPUT",
            help="The .parquet or .csv file to write, path or URL (replaced when complete).",
            show_default=False,
        ),
    ],
    *,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, metavar="N", help="Rows read, checked and predicted at a time."),
    ] = DEFAULT_BATCH_SIZE,
    columns: Annotated[
        list[str] | None,
        typer.Option(
            "--columns",
            metavar="NAMES",
            help="The input columns the model takes, comma-separated or repeated. "
            "Default: the signature's inputs (every column for a version without one).",
            show_default=False,
        ),
    ] = None,
    keep_columns: Annotated[
        bool,
        typer.Option("--keep-columns/--no-keep-columns", help="Copy the input's columns into the output."),
    ] = True,
    proba: Annotated[
        bool, typer.Option("--proba", help="Add a proba_<class> column per class (classifiers).")
    ] = False,
    engine: Annotated[
        str, typer.Option("--engine", metavar="ENGINE", help="local (this process) or ray (a Ray cluster).")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            metavar="ADDRESS",
            help="With --engine ray: the cluster (auto, ray://host:10001). Default: a local Ray.",
            show_default=False,
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Score a file with a model version: predictions, and the version that made them, per row."""
    if engine not in ENGINES:
        raise InvalidInputError(f"Unknown --engine {engine!r}: use local or ray.")
    if ray_address is not None and engine != "ray":
        raise InvalidInputError("--ray-address goes with --engine ray.")
    names = [c.strip() for item in columns or () for c in item.split(",") if c.strip()] or None
    if columns is not None and names is None:
        raise InvalidInputError("--columns names no column; give NAMES, e.g. --columns tenure,charges.")
    with open_client(ctx) as client, _RowProgress() as progress:
        result = client.score(
            ref,
            input,
            output,
            batch_size=batch_size,
            columns=names,
            keep_columns=keep_columns,
            proba=proba,
            engine="ray" if engine == "ray" else "local",
            ray_address=ray_address,
            progress=progress,
        )
    if json:
        print_json(result.to_dict())
        return
    rate = f" ({result.rows / result.seconds:,.0f} rows/s)" if result.seconds > 0 else ""
    took = f"{result.seconds:.1f} s{rate}"
    note(f"Scored {result.rows:,} rows with {result.version} into {result.output} in {took}.")


class _RowProgress:
    """A progress bar by rows on stderr (a terminal only); a CSV, whose row count is unknown, counts up."""

    def __init__(self) -> None:
        err = console(stderr=True)
        self.shown = err.is_terminal
        self.progress = Progress(
            TextColumn("Scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.task = self.progress.add_task("Scoring", total=None)

    def __call__(self, rows: int, total: int | None) -> None:
        self.progress.update(self.task, completed=rows, total=total)

    def __enter__(self) -> _RowProgress:
        if self.shown:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.progress.stop()
