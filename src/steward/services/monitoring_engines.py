"""How a monitoring run profiles its payload-log files: here, one after another, or as Ray tasks.

Either way a file becomes the same per-version states (profile, row sample,
traffic) through :func:`~steward.services.window_state.read_states`, and the run
merges them in the same order, so the figures are the same (to the last bit:
profiles are counts and sums added in one fixed order). With ``ray`` every new
file is one task (``ray.remote``) that reads it from the payload log's folder
or URL, explodes and profiles it like the version's reference; this process
only lists the files' versions (one small column each), hands the tasks those
references, and merges the results as they are asked for. A file a task cannot
read comes back as a note, as with the local engine. ``rows:N`` windows take two
rounds of tasks (:func:`row_cutter`).

Ray is an optional extra, imported only here and only when used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from steward.core.errors import require_extra
from steward.core.monitoring.drift import DriftConfig
from steward.services.payloads import PayloadLogReader
from steward.services.references import Loaded
from steward.services.row_windows import Cut, cut_file
from steward.services.window_state import FileStates, read_states

ENGINES = ("local", "ray")

#: Reads one file (relative to the deployment's folder) into its states; raises OSError or an Arrow
#: error when the file cannot be read.
FileReader = Callable[[str], FileStates]


@contextmanager
def file_reader(
    log: PayloadLogReader,
    deployment: str,
    names: list[str],
    reference: Callable[[str], Loaded | None],
    config: DriftConfig,
    engine: str = "local",
    address: str | None = None,
) -> Iterator[FileReader]:
    """A :data:`FileReader` for *names*: local, or with every file already submitted to Ray."""
    if engine == "local" or not names:

        def read(name: str) -> FileStates:
            return read_states(log.chunks(deployment, name), reference, config.multivariate_sample)

        yield read
        return
    require_extra("ray", "ray", "Monitoring with --engine ray")
    references = {version: reference(version) for version in _versions(log, deployment, names)}
    with _connected(address) as ray:
        task = ray.remote(_profile_file)
        shared = ray.put(references)
        size = config.multivariate_sample
        futures = {
            name: task.remote(log.root, log.storage_options, deployment, name, shared, size) for name in names
        }

        def read_ray(name: str) -> FileStates:
            outcome = ray.get(futures.pop(name))
            if isinstance(outcome, str):
                raise OSError(outcome)
            result: FileStates = outcome
            return result

        yield read_ray


@contextmanager
def row_cutter(
    log: PayloadLogReader,
    deployment: str,
    names: list[str],
    room: Callable[[str], int],
    size: int,
    reference: Callable[[str], Loaded | None],
    config: DriftConfig,
    engine: str = "local",
    address: str | None = None,
) -> Iterator[Callable[[str], Cut]]:
    """Cuts the ``rows:N`` files *names* (in log order) into pieces, here or as Ray tasks.

    A file's pieces depend on how many rows each version's open window holds when the file starts,
    that is on every earlier file. With Ray, a first round of tasks counts each file's rows per
    version; from those counts this process works out where every file's windows start, and a
    second round cuts and profiles the files at once. A file counted in the first round that
    cannot be read in the second stops the run there (the later files' windows would shift); they
    wait for the next run."""
    sample_size = config.multivariate_sample
    if engine == "local" or not names:

        def local(name: str) -> Cut:
            return cut_file(log, deployment, name, room, size, reference, sample_size)

        yield local
        return
    require_extra("ray", "ray", "Monitoring with --engine ray")
    with _connected(address) as ray:
        count = ray.remote(_count_rows)
        counts = ray.get([count.remote(log.root, log.storage_options, deployment, n) for n in names])
        held: dict[str, int] = {}
        rooms: dict[str, dict[str, int]] = {}
        unread: dict[str, str] = {}
        for name, found in zip(names, counts, strict=True):
            if isinstance(found, str):
                unread[name] = found  # not counted, so not cut: reported, left for the next run
                continue
            rooms[name] = {}
            for version, rows in sorted(found.items()):
                held.setdefault(version, size - room(version))
                rooms[name][version] = size - held[version]
                held[version] = (held[version] + rows) % size
        shared = ray.put({version: reference(version) for version in held})
        task = ray.remote(_cut_file)
        futures = {
            name: task.remote(
                log.root, log.storage_options, deployment, name, rooms[name], size, shared, sample_size
            )
            for name in names
            if name in rooms
        }
        stopped: list[str] = []

        def read_ray(name: str) -> Cut:
            if name in unread:
                raise OSError(unread[name])
            if stopped:
                raise OSError(f"{stopped[0]} could not be read, so this run stops before the files after it")
            outcome = ray.get(futures.pop(name))
            if isinstance(outcome, str):
                stopped.append(name)
                raise OSError(outcome)
            result: Cut = outcome
            return result

        yield read_ray


def _count_rows(
    root: str, storage_options: dict[str, Any], deployment: str, name: str
) -> dict[str, int] | str:
    """One Ray task: a file's rows per version (0 for a version with failed requests only)."""
    log = PayloadLogReader(root, storage_options)
    try:
        chunk = log.ordered(deployment, name)
    except (pa.ArrowException, OSError) as exc:
        return str(exc)
    counts = {str(v): 0 for v in set(chunk.requests["version"])}
    for version, rows in chunk.rows.groupby("version", sort=False):
        counts[str(version)] = len(rows)
    return counts


def _cut_file(
    root: str,
    storage_options: dict[str, Any],
    deployment: str,
    name: str,
    rooms: dict[str, int],
    size: int,
    references: dict[str, Loaded | None],
    sample_size: int,
) -> Cut | str:
    """One Ray task: a file's pieces, or the reason it cannot be read."""
    log = PayloadLogReader(root, storage_options)
    try:
        return cut_file(
            log, deployment, name, lambda v: rooms.get(v, size), size, references.get, sample_size
        )
    except (pa.ArrowException, OSError) as exc:
        return str(exc)


def _profile_file(
    root: str,
    storage_options: dict[str, Any],
    deployment: str,
    name: str,
    references: dict[str, Loaded | None],
    sample_size: int,
) -> FileStates | str:
    """One Ray task: a file's states, or the reason it cannot be read (a string, not an exception
    that Ray would wrap beyond recognition)."""
    log = PayloadLogReader(root, storage_options)
    try:
        return read_states(log.chunks(deployment, name), references.get, sample_size)
    except (pa.ArrowException, OSError) as exc:
        return str(exc)


def _versions(log: PayloadLogReader, deployment: str, names: list[str]) -> set[str]:
    """The versions that answered in *names* (their ``version`` column only); unreadable files add none."""
    found: set[str] = set()
    for name in names:
        try:
            with log.open(deployment, name) as handle:
                parquet = pq.ParquetFile(handle)
                if "version" not in parquet.schema_arrow.names:
                    found.add("unknown")
                    continue
                values = parquet.read(columns=["version"]).column("version").to_pylist()
        except (pa.ArrowException, OSError):
            continue  # the task meets the same error and reports it
        found.update(str(v) if v is not None else "unknown" for v in values)
    return found


@contextmanager
def _connected(address: str | None) -> Iterator[Any]:
    """Ray, connected: to *address*, to the cluster already connected, or to a local one started now."""
    import ray

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
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()
