"""Batch scoring: a Parquet or CSV file through a model, in chunks, into a Parquet or CSV file.

``score_file`` reads the input in chunks of ``batch_size`` rows (Parquet with
``ParquetFile.iter_batches``, CSV with Arrow's streaming reader, typed from the
signature), checks each chunk against the version's signature, predicts, and
appends the result to a streaming writer, so memory stays flat whatever the
file's size. The output is written under a temporary name beside the target
and renamed when complete: a failed run leaves no partial file. Every output
row names the version that scored it (column ``model_version``; Parquet files
also carry it in their schema metadata).

Input and output are local paths or any fsspec URL (``s3://bucket/in.parquet``),
each read or written with the storage options the caller gives (the client
passes the ``artifacts_options`` setting to a URL on the artifacts' kind of
storage, see :mod:`steward.services.locations`). An output URL is written
under a temporary name beside the target and moved into place when complete,
as a local file is.

``score_with_ray`` (in :mod:`steward.services.ray_scoring`) runs the same
chunk function on a Ray cluster.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
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
from steward.services.locations import Location, is_url, open_location
from steward.services.packaging import LoadedModel

Format = Literal["parquet", "csv"]
#: Called with (rows scored so far, total rows or None when unknown) after every chunk.
Progress = Callable[[int, int | None], None]

FORMATS: dict[str, Format] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
#: A file to score or write: a local path, or a file on an fsspec filesystem.
Source = Path | Location
#: Object stores whose first path component (the bucket) must exist before writing under it.
BUCKETS = ("s3", "s3a", "gs", "gcs", "abfs", "az")


def source(location: str | Path, options: Mapping[str, Any] | None = None) -> Source:
    """*location* as a local :class:`Path`, or, for a URL, the file on its filesystem."""
    if is_url(str(location)) and not str(location).startswith("file://"):
        return open_location(str(location), options)
    return Path(str(location)[len("file://") :] if str(location).startswith("file://") else location)


@dataclass(frozen=True)
class ScoreResult:
    version: str
    rows: int
    output: Path | str
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


def file_format(path: Source, role: str) -> Format:
    """``parquet`` or ``csv`` from the file's extension; anything else is refused."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidInputError(
            f"Unknown {role} format {path.suffix or '(no extension)'!r} for {path}: use .parquet or .csv."
        )
    return found


def check_paths(input: Source, output: Source) -> tuple[Format, Format]:
    """Both formats, an input file that exists and an output folder that exists; checked before any work."""
    in_format, out_format = file_format(input, "input"), file_format(output, "output")
    if not input.is_file():
        raise NotFoundError(f"Input file {input} does not exist.")
    if isinstance(output, Path) and not output.parent.is_dir():
        raise NotFoundError(f"Output folder {output.parent} does not exist; create it first.")
    if isinstance(output, Location) and output.protocol in BUCKETS and not output.bucket_exists():
        raise NotFoundError(f"The bucket of {output} does not exist; create it first.")
    if _same(input, output):
        raise InvalidInputError("The output would overwrite the input: choose another output file.")
    return in_format, out_format


def _same(a: Source, b: Source) -> bool:
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    if isinstance(a, Location) and isinstance(b, Location):
        return bool(a.fs.unstrip_protocol(a.path) == b.fs.unstrip_protocol(b.path))
    return False


@contextmanager
def _opened(path: Source) -> Iterator[Any]:
    """What Arrow reads: the local path itself, or an open file on the fsspec filesystem."""
    if isinstance(path, Path):
        yield path
        return
    with path.fs.open(path.path, "rb") as f:
        yield f


def score_file(
    model: LoadedModel,
    input: str | Path,
    output: str | Path,
    options: ScoreOptions | None = None,
    *,
    progress: Progress | None = None,
    input_options: Mapping[str, Any] | None = None,
    output_options: Mapping[str, Any] | None = None,
) -> ScoreResult:
    """Score *input* with *model* into *output* (paths or URLs with their storage options), by chunks."""
    options = options or ScoreOptions()
    started = time.perf_counter()
    src, dst = source(input, input_options), source(output, output_options)
    in_format, out_format = check_paths(src, dst)
    plan = make_plan(model, input_schema(src, in_format), options)
    reader = read_chunks(src, in_format, plan, options.batch_size)
    rows = 0
    with OutputFile(dst, out_format, plan) as out:
        for chunk in reader.chunks:
            table = pa.Table.from_batches([chunk]) if isinstance(chunk, pa.RecordBatch) else chunk
            out.write(score_chunk(model, table, plan, offset=rows))
            rows += len(table)
            if progress is not None:
                progress(rows, reader.total)
    return ScoreResult(plan.version, rows, shown(dst), time.perf_counter() - started)


def shown(path: Source) -> Path | str:
    """The output as the result names it: the path, or the URL as given."""
    return path if isinstance(path, Path) else path.shown


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


def input_schema(path: Source, fmt: Format) -> pa.Schema:
    """The input's columns, read from the Parquet footer or the CSV's first block."""
    try:
        with _opened(path) as f:
            if fmt == "parquet":
                schema: pa.Schema = pq.read_schema(f)
                return schema
            with pacsv.open_csv(f) as reader:
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


def read_chunks(path: Source, fmt: Format, plan: ScorePlan, batch_size: int) -> Chunks:
    """The input's rows in chunks of at most *batch_size*, only the columns the plan reads."""
    if fmt == "parquet":
        with _opened(path) as f:
            total = pq.ParquetFile(f).metadata.num_rows
        return Chunks(_wrap_errors(_parquet_batches(path, plan, batch_size), path), total)
    names = input_schema(path, "csv").names
    return Chunks(_wrap_errors(_csv_batches(path, plan, batch_size), path, names), None)


def _parquet_batches(path: Source, plan: ScorePlan, batch_size: int) -> Iterator[pa.RecordBatch]:
    with _opened(path) as f:
        yield from pq.ParquetFile(f).iter_batches(batch_size=batch_size, columns=plan.read_columns)


def _csv_batches(path: Source, plan: ScorePlan, batch_size: int) -> Iterator[pa.RecordBatch]:
    with _opened(path) as f, pacsv.open_csv(f, convert_options=csv_convert_options(plan)) as reader:
        yield from _rebatch(reader, batch_size)  # open_csv parsed a first block


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
    batches: Iterator[pa.RecordBatch], path: Source, names: list[str] | None = None
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
    reads and predicts the next one; at most one chunk waits, so memory stays bounded. On an fsspec
    filesystem the temporary file is beside the target too, and moved (on object storage: copied
    by the server, then deleted) once complete."""

    def __init__(self, path: Source, fmt: Format, plan: ScorePlan) -> None:
        self.path = path
        self.fmt = fmt
        self.plan = plan
        temp_name = f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
        self.temp: Path | str
        if isinstance(path, Path):
            self.temp = path.with_name(temp_name)
            self._file: Any = None
        else:
            self.temp = f"{path.fs._parent(path.path)}/{temp_name}"
            try:
                self._file = path.fs.open(self.temp, "wb")
            except OSError as exc:
                raise InvalidInputError(f"Cannot write {path}: {_first_line(exc)}.") from None
        self.schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="steward-score-writer")
        self._pending: Future[None] | None = None

    def write(self, table: pa.Table) -> None:
        if self.schema is None:
            self.schema = table.schema.with_metadata({VERSION_METADATA: self.plan.version.encode()})
            sink = self.temp if self._file is None else self._file
            if self.fmt == "parquet":
                self._writer = pq.ParquetWriter(sink, self.schema)
            else:
                self._writer = pacsv.CSVWriter(sink, self.schema)
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
                if self._file is not None:
                    self._file.close()
            if exc_type is None:
                self._commit()
        finally:
            self._remove_temp()

    def _commit(self) -> None:
        if isinstance(self.path, Path):
            os.replace(self.temp, self.path)
            return
        try:
            self.path.fs.mv(self.temp, self.path.path)
        except OSError as exc:
            raise InvalidInputError(f"Cannot write {self.path}: {_first_line(exc)}.") from None

    def _remove_temp(self) -> None:
        if isinstance(self.temp, Path):
            with contextlib.suppress(FileNotFoundError):
                self.temp.unlink()
            return
        assert isinstance(self.path, Location)
        with contextlib.suppress(FileNotFoundError, OSError):
            if self.path.fs.exists(self.temp):
                self.path.fs.rm(self.temp)
