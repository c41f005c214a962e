"""Batch scoring: a Parquet or CSV file through a model, in chunks, into a Parquet or CSV file.

``score_file`` reads the input in chunks of ``batch_size`` rows (Parquet with
``ParquetFile.iter_batches``, CSV with Arrow's streaming reader, typed from the
signature), checks each chunk against the version's signature, predicts, and
appends the result to a streaming writer, so memory stays flat whatever the
file's size. The output is written under a temporary name beside the target
and renamed when complete: a failed run leaves no partial file. Every output
row names the version that scored it (column ``model_version``; Parquet files
also carry it in their schema metadata).

``score_with_ray`` (in :mod:`steward.services.ray_scoring`) runs the same
chunk function on a Ray cluster.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from steward.core.errors import InvalidInputError, NotFoundError, StewardError
from steward.core.scoring import (
    VERSION_METADATA,
    ScoreOptions,
    ScorePlan,
    arrow_type,
    conform,
    model_input,
    output_table,
    plan_scoring,
)
from steward.services.packaging import LoadedModel

Format = Literal["parquet", "csv"]
#: Called with (rows scored so far, total rows or None when unknown) after every chunk.
Progress = Callable[[int, int | None], None]

FORMATS: dict[str, Format] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class ScoreResult:
    version: str
    rows: int
    output: Path
    seconds: float
    engine: str = "local"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "rows": self.rows,
            "output": str(self.output),
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
        }


def file_format(path: Path, role: str) -> Format:
    """``parquet`` or ``csv`` from the file's extension; anything else is refused."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInputError(
            f"Unknown {role} format {path.suffix or '(no extension)'!r} for {path}: use .parquet or .csv."
        )
    return found


def check_paths(input: Path, output: Path) -> tuple[Format, Format]:
    """Both formats, an input file that exists and an output folder that exists; checked before any work."""
    in_format, out_format = file_format(input, "input"), file_format(output, "output")
    if not input.is_file():
        raise NotFoundError(f"Input file {input} does not exist.")
    if not output.parent.is_dir():
        raise NotFoundError(f"Output folder {output.parent} does not exist; create it first.")
    if output.resolve() == input.resolve():
        raise InvalidInputError("The output would overwrite the input: choose another output file.")
    return in_format, out_format


def score_file(
    model: LoadedModel,
    input: Path,
    output: Path,
    options: ScoreOptions | None = None,
    *,
    progress: Progress | None = None,
) -> ScoreResult:
    """Score *input* with *model* into *output*, chunk by chunk."""
    options = options or ScoreOptions()
    started = time.perf_counter()
    in_format, out_format = check_paths(input, output)
    plan = make_plan(model, input_schema(input, in_format), options)
    reader = read_chunks(input, in_format, plan, options.batch_size)
    rows = 0
    with OutputFile(output, out_format, plan) as out:
        for chunk in reader.chunks:
            table = pa.Table.from_batches([chunk]) if isinstance(chunk, pa.RecordBatch) else chunk
            out.write(score_chunk(model, table, plan, offset=rows))
            rows += len(table)
            if progress is not None:
                progress(rows, reader.total)
    return ScoreResult(plan.version, rows, output, time.perf_counter() - started)


def make_plan(model: LoadedModel, schema: pa.Schema, options: ScoreOptions) -> ScorePlan:
    """The plan for *model* over a file of *schema*; the model's classes name the probability columns."""
    classes = None
    if options.proba:
        if getattr(model.predictor, "predict_proba", None) is None:
            raise InvalidInputError(
                f"Version {model.version.ref} ({model.version.flavor}) has no predict_proba: drop --proba."
            )
        found = getattr(model.native, "classes_", None)
        if found is None:
            raise InvalidInputError(
                f"Version {model.version.ref} does not say its classes (no classes_), so --proba cannot "
                "name its columns; score without --proba."
            )
        classes = [c.item() if hasattr(c, "item") else c for c in found]
    return plan_scoring(model.version.ref, model.signature, schema.names, options, classes)


def score_chunk(model: LoadedModel, chunk: pa.Table, plan: ScorePlan, offset: int | None = None) -> pa.Table:
    """One chunk: checked, predicted (and ``predict_proba`` when asked), as the output's rows."""
    data = model_input(chunk, plan, offset)
    try:
        predictions = model.predict(data)
        probabilities = model.predict_proba(data) if plan.proba_columns else None
    except StewardError:
        raise
    except Exception as exc:  # the model's own code raised: say which version and rows, keep the cause
        rows = f"rows {offset}-{offset + len(chunk) - 1}" if offset is not None else "a batch"
        raise StewardError(
            f"Version {plan.version} failed on {rows}: {type(exc).__name__}: {exc}. Nothing was written."
        ) from exc
    return output_table(chunk, plan, predictions, probabilities)


# -- reading ------------------------------------------------------------------


def input_schema(path: Path, fmt: Format) -> pa.Schema:
    """The input's columns, read from the Parquet footer or the CSV's first block."""
    try:
        if fmt == "parquet":
            schema: pa.Schema = pq.read_schema(path)
            return schema
        with pacsv.open_csv(path) as reader:
            csv_schema: pa.Schema = reader.schema
            return csv_schema
    except (pa.ArrowInvalid, OSError) as exc:
        raise InvalidInputError(f"Cannot read {path} as {fmt}: {_first_line(exc)}.") from None


def csv_convert_options(plan: ScorePlan) -> pacsv.ConvertOptions:
    """CSV columns the model takes are parsed as their signature types; empty cells are missing."""
    types = {spec.name: arrow_type(spec.type) for spec in plan.specs or ()}
    return pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, include_columns=plan.read_columns
    )


@dataclass
class Chunks:
    chunks: Iterator[pa.RecordBatch]
    total: int | None


def read_chunks(path: Path, fmt: Format, plan: ScorePlan, batch_size: int) -> Chunks:
    """The input's rows in chunks of at most *batch_size*, only the columns the plan reads."""
    if fmt == "parquet":
        file = pq.ParquetFile(path)
        batches = file.iter_batches(batch_size=batch_size, columns=plan.read_columns)
        return Chunks(_wrap_errors(batches, path), file.metadata.num_rows)
    names = input_schema(path, "csv").names
    return Chunks(_wrap_errors(_csv_batches(path, plan, batch_size), path, names), None)


def _csv_batches(path: Path, plan: ScorePlan, batch_size: int) -> Iterator[pa.RecordBatch]:
    with pacsv.open_csv(path, convert_options=csv_convert_options(plan)) as reader:  # parses a first block
        yield from _rebatch(reader, batch_size)


def _rebatch(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """CSV blocks (sized in bytes) as batches of *size* rows."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += len(batch)
        while held >= size:
            table = pa.Table.from_batches(pending)
            yield from table.slice(0, size).combine_chunks().to_batches()
            rest = table.slice(size)
            pending, held = rest.to_batches(), len(rest)
    if held:
        yield from pa.Table.from_batches(pending).combine_chunks().to_batches()


def _wrap_errors(
    batches: Iterator[pa.RecordBatch], path: Path, names: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    try:
        yield from batches
    except (pa.ArrowInvalid, OSError) as exc:
        message = _first_line(exc)
        if names is not None:  # Arrow numbers CSV columns from 0: name the column instead
            message = re.sub(
                r"In CSV column #(\d+)",
                lambda m: f"Column {names[int(m[1])]!r}" if int(m[1]) < len(names) else m[0],
                message,
            )
        raise InvalidInputError(f"Cannot read {path}: {message}.") from None


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text.rstrip(".") or type(exc).__name__


# -- writing ------------------------------------------------------------------


class OutputFile:
    """A streaming Parquet or CSV writer on a temporary name, renamed into place on success only.

    Each chunk is encoded and written on a writer thread (Arrow releases the GIL) while the caller
    reads and predicts the next one; at most one chunk waits, so memory stays bounded."""

    def __init__(self, path: Path, fmt: Format, plan: ScorePlan) -> None:
        self.path = path
        self.fmt = fmt
        self.plan = plan
        self.temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="steward-score-writer")
        self._pending: Future[None] | None = None

    def write(self, table: pa.Table) -> None:
        if self.schema is None:
            self.schema = table.schema.with_metadata({VERSION_METADATA: self.plan.version.encode()})
            if self.fmt == "parquet":
                self._writer = pq.ParquetWriter(self.temp, self.schema)
            else:
                self._writer = pacsv.CSVWriter(self.temp, self.schema)
        assert self._writer is not None
        conformed = conform(table, self.schema)
        self._wait()
        self._pending = self._thread.submit(self._writer.write_table, conformed)

    def _wait(self) -> None:
        """The previous chunk written (its error, if any, raised here)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> OutputFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            if exc_type is None and self._writer is None:  # no rows at all: still a valid, empty file
                self.write(pa.table({name: pa.array([], pa.null()) for name in self.plan.output_columns}))
            try:
                self._wait()
            finally:
                self._thread.shutdown(wait=True)
                if self._writer is not None:
                    self._writer.close()
            if exc_type is None:
                os.replace(self.temp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()
