"""Batch scoring on a Ray cluster with Ray Data: the same chunks, checks and output as the local engine.

``ray.data.read_parquet`` / ``read_csv`` read the input in parallel blocks;
``map_batches`` runs :class:`RayScorer` (a callable class: each actor loads the
model once, through the picklable *load* the caller gives, and scores Arrow
batches with :func:`steward.services.scoring.score_chunk`); the scored rows come
back to this process in input order (``preserve_order``) and go through the
same writer as a local run, so the output file is the same either way.

Ray is an optional extra, imported only here and only when used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from steward.core.errors import StewardError, error_class_for, require_extra
from steward.core.scoring import ScoreOptions, ScorePlan
from steward.services.packaging import LoadedModel
from steward.services.scoring import (
    OutputFile,
    Progress,
    ScoreResult,
    Source,
    check_paths,
    csv_convert_options,
    input_schema,
    make_plan,
    read_chunks,
    score_chunk,
    shown,
    source,
)

#: Columns of the one-row table a worker returns instead of raising a Steward error (bad input).
ERROR_CODE, ERROR_MESSAGE = "__steward_error__", "__steward_message__"

#: Builds the model inside a Ray worker (it must pickle: settings and a version, not a live client).
Loader = Callable[[], LoadedModel]


class RayScorer:
    """One Ray Data actor: loads the model once, then scores every batch it is given."""

    def __init__(self, load: Loader, plan: ScorePlan) -> None:
        self.model = load()
        self.plan = plan

    def __call__(self, batch: pa.Table) -> pa.Table:
        try:
            return score_chunk(self.model, batch, self.plan)
        except StewardError as exc:  # Ray would wrap it beyond recognition: sent back as a row instead
            return pa.table({ERROR_CODE: [exc.code], ERROR_MESSAGE: [exc.message]})


def score_with_ray(
    model: LoadedModel,
    load: Loader,
    input: str | Path,
    output: str | Path,
    options: ScoreOptions | None = None,
    *,
    address: str | None = None,
    actors: int | None = None,
    progress: Progress | None = None,
    input_options: Mapping[str, Any] | None = None,
    output_options: Mapping[str, Any] | None = None,
) -> ScoreResult:
    """Score *input* into *output* on Ray; *model* (loaded here) decides the plan, *load* runs on workers.

    *address* is a running cluster (``auto``, ``ray://host:10001``); None starts a local Ray for
    this run when none is connected. *actors* is how many model replicas score (default: the
    cluster's CPUs, at most 8). An input URL is read by the workers through its fsspec filesystem
    (with *input_options*); the output is written here, as a local run writes it."""
    require_extra("ray", "ray", "Scoring with --engine ray")
    options = options or ScoreOptions()
    started = time.perf_counter()
    src, dst = source(input, input_options), source(output, output_options)
    in_format, out_format = check_paths(src, dst)
    plan = make_plan(model, input_schema(src, in_format), options)
    total = read_chunks(src, in_format, plan, options.batch_size).total
    path, filesystem = _for_arrow(src)
    rows = 0
    with _ray(address) as ray:
        if in_format == "parquet":
            dataset = ray.data.read_parquet(path, columns=plan.read_columns, filesystem=filesystem)
        else:
            dataset = ray.data.read_csv(
                path, convert_options=csv_convert_options(plan), filesystem=filesystem
            )
        # Blocks of exactly batch_size rows, in order: batches never cross a block boundary, so
        # every batch holds the same rows as the local engine's chunk (BLAS may round a row's
        # output differently in a batch of another size; with this the files are equal).
        dataset = dataset.repartition(target_num_rows_per_block=options.batch_size, strict=True)
        size = actors or max(1, min(8, int(ray.cluster_resources().get("CPU", 1))))
        scored = dataset.map_batches(
            RayScorer,
            fn_constructor_args=(load, plan),
            batch_format="pyarrow",
            batch_size=options.batch_size,
            # from one actor up: a fixed pool as large as the cluster would leave no CPU to read with
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=size),
        )
        with OutputFile(dst, out_format, plan) as out:
            for batch in scored.iter_batches(batch_format="pyarrow", batch_size=None):
                _raise_if_error(batch)
                out.write(batch)
                rows += len(batch)
                if progress is not None:
                    progress(rows, total)
    return ScoreResult(plan.version, rows, shown(dst), time.perf_counter() - started, engine="ray")


def _for_arrow(path: Source) -> tuple[str, Any]:
    """The path and filesystem Ray Data reads: a local path alone, or the fsspec one wrapped for Arrow."""
    if isinstance(path, Path):
        return str(path), None
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    return path.path, PyFileSystem(FSSpecHandler(path.fs))


@contextmanager
def _ray(address: str | None) -> Iterator[Any]:
    """Ray, connected: to *address*, to the cluster already connected, or to a local one started now."""
    import ray
    import ray.data

    started = False
    if not ray.is_initialized():
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
        started = True
    context = ray.data.DataContext.get_current()
    previous = (context.execution_options.preserve_order, context.enable_progress_bars)
    context.execution_options.preserve_order = True  # rows come back in input order
    context.enable_progress_bars = False  # ours counts rows
    try:
        yield ray
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars = previous
        if started:
            ray.shutdown()


def _raise_if_error(batch: pa.Table) -> None:
    if ERROR_CODE in batch.column_names:
        code, message = batch.column(ERROR_CODE)[0].as_py(), batch.column(ERROR_MESSAGE)[0].as_py()
        raise error_class_for(code)(message)
