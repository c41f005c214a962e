"""The monitoring use cases: references, incremental runs over the payload log, labels, figures.

``set_reference`` profiles a version's reference sample, with the model's own
predictions on it, once. ``run`` reads only the payload-log files no earlier
run has read, profiles them batch by batch *like* the reference (flat memory),
merges each window's profile with what is stored, and rewrites that window's
figures; the window, its figures and the files it consumed commit in one
transaction, so a run interrupted halfway, or run twice, counts nothing twice.
``labels`` stores ground truth by request id (a later label replaces an earlier
one) and recomputes per-window performance; labels for unknown requests are
counted and reported, not refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import DriftConfig
from steward.core.monitoring.profile import (
    Profile,
)
from steward.core.permissions import Permission
from steward.core.windows import (
    Figure,
    LabelSummary,
    ReferenceInfo,
    RunSummary,
    check_window,
    window_of,
    window_rows,
)
from steward.ports import ArtifactStore, Store
from steward.services import references
from steward.services.access import AccessControl
from steward.services.alerting import AlertService
from steward.services.monitoring_engines import ENGINES, FileReader, file_reader
from steward.services.monitoring_rows import run_rows
from steward.services.payloads import PayloadLogReader
from steward.services.performance import performance_figures
from steward.services.references import Loaded, as_frame, resolve_version
from steward.services.references import load as load_reference
from steward.services.registry import Clock, utcnow
from steward.services.row_windows import BLOCK, TICK
from steward.services.window_state import RunTally, commit_window, merge_states

#: ``progress(done, total, file)`` after each payload-log file.
Progress = Callable[[int, int, str], None]


class MonitoringService:
    """Monitoring of deployments: references, windows, figures, labels; alerts via :class:`AlertService`."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        payloads: str,
        *,
        alerts: AlertService | None = None,
        access: AccessControl | None = None,
        storage_options: dict[str, Any] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.access = access
        self.artifacts = artifacts
        self.log = PayloadLogReader(payloads, storage_options)
        self.alerts = alerts
        self.clock = clock

    # -- references -----------------------------------------------------------

    def set_reference(
        self,
        ref: str,
        data: Any,
        *,
        actor: str,
        labels: Any = None,
        task: str | None = None,
        importance: Mapping[str, float] | None = None,
    ) -> ReferenceInfo:
        """Profile *data* (and the version's predictions on it) as the reference of version *ref*.

        *labels* (a column name of *data*, or one value per row) lets monitoring estimate
        performance before labels arrive (binary classifiers with probabilities). *importance*
        (feature -> weight) weights ``drift.weighted``; without it the version's newest stored
        permutation importance does, if any."""
        with self.store.read() as tx:
            version = resolve_version(tx, ref)
        self._require(actor, version.model)
        built = references.build(self.artifacts, version, data, labels, task)
        with self.store.write() as tx:
            return references.save(tx, version, built, importance, actor=actor, at=self.clock())

    def get_reference(self, ref: str) -> ReferenceInfo:
        with self.store.read() as tx:
            version = resolve_version(tx, ref)
            return tx.monitoring.get_reference(version.model, version.version)[0]

    # -- monitors ---------------------------------------------------------------

    def configure(
        self, deployment: str, *, actor: str, window: str = "hour", drift: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Set *deployment*'s window (hour or day) and drift settings (``DriftConfig`` fields)."""
        self._require(actor)
        check_window(window)
        settings = dict(drift or {})
        _drift_config(settings)
        with self.store.write() as tx:
            before = tx.monitoring.get_monitor(deployment)
            if before is not None and before["window"] != window and tx.monitoring.windows(deployment):
                raise InvalidInputError(
                    f"Deployment {deployment!r} already has {before['window']} windows; the window cannot "
                    "change once figures exist."
                )
            at = self.clock()
            tx.monitoring.put_monitor(deployment, window=window, drift=settings, actor=actor, at=at)
            after = {"window": window, "drift": settings}
            tx.audit.append(
                AuditEvent(
                    "monitoring.configure", "deployment", deployment, actor, at, before=before, after=after
                )
            )
        return after

    # -- runs -----------------------------------------------------------------

    def _require(self, actor: str, model: str | None = None) -> None:
        if self.access is not None:
            self.access.require(actor, Permission.MONITOR, model=model)

    def run(
        self,
        deployment: str,
        *,
        actor: str,
        progress: Progress | None = None,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> RunSummary:
        """Process the payload-log files no run has read yet; idempotent. *engine* ``ray`` profiles
        the files as Ray tasks (at *ray_address*, or a local Ray) and merges them here."""
        if engine not in ENGINES:
            raise InvalidInputError(f"Unknown engine {engine!r}: use local or ray.")
        if ray_address is not None and engine != "ray":
            raise InvalidInputError("A Ray address goes with engine ray.")
        with self.store.read() as tx:
            monitor = tx.monitoring.get_monitor(deployment)
        if monitor is None:
            self.configure(deployment, actor=actor)
            monitor = {"window": "hour", "drift": {}}
        config = _drift_config(monitor["drift"])
        with self.store.read() as tx:
            done = tx.monitoring.processed_files(deployment)
        new = [f for f in self.log.files(deployment) if f not in done]
        references: dict[str, Loaded | None] = {}

        def reference(version: str) -> Loaded | None:
            return self._reference(version, references)

        size = window_rows(monitor["window"])
        if size is not None:
            tally = run_rows(
                self.store, self.log, deployment, new, size, config, reference, self.clock, progress,
                engine, ray_address,
            )  # fmt: skip
        else:
            with file_reader(self.log, deployment, new, reference, config, engine, ray_address) as read:
                tally = self._run_time(deployment, monitor["window"], new, read, reference, config, progress)
        figures_total = tally.figures
        if tally.starts:
            figures_total += self._performance(deployment, monitor["window"], only=set(tally.starts))
        fired = resolved = 0
        if self.alerts is not None and tally.starts:
            fired, resolved = self.alerts.evaluate(deployment, actor=actor)
        notes = tally.notes + [
            f"{rows} rows of {version} were not monitored: it has no reference "
            f"(`steward monitor set-reference {version} DATA`)."
            for version, rows in sorted(tally.skipped.items())
        ]
        windows = tuple(dict.fromkeys(start.isoformat() for start in tally.starts))
        return RunSummary(
            deployment, tally.files, tally.rows, windows, figures_total, dict(tally.skipped),
            fired, resolved, tuple(notes),
        )  # fmt: skip

    def _run_time(
        self,
        deployment: str,
        window: str,
        new: list[str],
        read: FileReader,
        reference: Callable[[str], Loaded | None],
        config: DriftConfig,
        progress: Progress | None,
    ) -> RunTally:
        """Hour or day windows: each window's new files merged, committed in one transaction."""
        by_window: dict[tuple[datetime, datetime], list[str]] = defaultdict(list)
        for name in new:
            by_window[window_of(self.log.partition_path(deployment, name), window)].append(name)
        tally = RunTally()
        for (start, end), names in sorted(by_window.items()):
            windows: dict[str, dict[str, Any]] = {}
            consumed: list[tuple[str, int]] = []
            for name in names:
                try:
                    states, file_rows, file_skipped = read(name)
                except (pa.ArrowException, OSError) as exc:  # a damaged file: left for a later run
                    tally.notes.append(f"Cannot read {name} ({exc}); it stays unprocessed for the next run.")
                    continue
                merge_states(windows, states)
                for version, count in file_skipped.items():
                    tally.skipped[version] += count
                consumed.append((name, file_rows))
                tally.rows += file_rows
                tally.files += 1
                if progress is not None:
                    progress(tally.files, len(new), name)
            with self.store.write() as tx:
                tally.figures += commit_window(
                    tx, deployment, (start, end), windows, reference, consumed, config, self.clock()
                )
            tally.starts.append(start)
        return tally

    def monitored(self) -> list[str]:
        """The deployments with a monitor (configured, run or labelled once), by name."""
        with self.store.read() as tx:
            return tx.monitoring.monitored()

    def _reference(self, version: str, cache: dict[str, Loaded | None]) -> Loaded | None:
        if version not in cache:
            with self.store.read() as tx:
                cache[version] = load_reference(tx, version)
        return cache[version]

    # -- labels -----------------------------------------------------------------

    def labels(self, deployment: str, data: Any, *, actor: str, label_column: str = "label") -> LabelSummary:
        """Store ground truth (columns ``request_id``, *label_column*, optionally ``row``) and recompute
        performance per window; labels of request ids the log does not have are counted, not refused."""
        self._require(actor)
        frame = as_frame(data, "The labels")
        missing = [c for c in ("request_id", label_column) if c not in frame.columns]
        if missing:
            raise InvalidInputError(
                f"The labels need columns request_id and {label_column} (and optionally row); "
                f"missing: {', '.join(missing)}."
            )
        if frame[label_column].isna().any() or frame["request_id"].isna().any():
            raise InvalidInputError(
                "The labels have empty request ids or labels: drop or fill those rows first."
            )
        rows = frame["row"] if "row" in frame.columns else pd.Series(0, index=frame.index)
        if not pd.api.types.is_integer_dtype(rows) or (rows < 0).any():
            raise InvalidInputError(
                "The row column holds row numbers within a request: whole numbers from 0."
            )
        items = list(
            zip(frame["request_id"].astype(str), rows.astype(int), frame[label_column].tolist(), strict=True)
        )
        items = list({(r, n): (r, n, _plain(v)) for r, n, v in items}.values())
        with self.store.write() as tx:
            if tx.monitoring.get_monitor(deployment) is None:
                tx.monitoring.put_monitor(deployment, window="hour", drift={}, actor=actor, at=self.clock())
            at = self.clock()
            replaced = tx.monitoring.put_labels(deployment, items, at)
            tx.audit.append(
                AuditEvent(
                    "monitoring.labels", "deployment", deployment, actor, at,
                    details={"received": len(items), "replaced": replaced, "label_column": label_column},
                )
            )  # fmt: skip
            monitor = tx.monitoring.get_monitor(deployment)
            stored = tx.monitoring.labels(deployment)
            blocks = tx.monitoring.windows(deployment) if window_rows(monitor["window"]) else []  # type: ignore[index]
        assert monitor is not None
        figures, matched_keys = performance_figures(
            deployment, self.log, monitor["window"], stored, self._task, row_windows=blocks
        )
        with self.store.write() as tx:
            windows = {(f.start, f.version) for f in figures}
            tx.monitoring.replace_figures(deployment, windows, figures, performance=True)
        uploaded = {(r, n) for r, n, _ in items}
        unknown = sorted(uploaded - matched_keys)
        if self.alerts is not None:
            self.alerts.evaluate(deployment, actor=actor)
        return LabelSummary(
            deployment, len(items), replaced, len(uploaded) - len(unknown), len(unknown),
            tuple(r for r, _ in unknown[:10]), len(figures),
        )  # fmt: skip

    def _performance(self, deployment: str, window: str, *, only: set[datetime]) -> int:
        """Recompute the performance figures of a run's windows from the stored labels, if any."""
        with self.store.read() as tx:
            stored = tx.monitoring.labels(deployment)
            blocks = []
            if stored and window_rows(window):
                blocks = tx.monitoring.windows(deployment, since=min(only), until=max(only) + TICK)
        if not stored:
            return 0
        figures, _ = performance_figures(deployment, self.log, window, stored, self._task, only, blocks)
        with self.store.write() as tx:
            tx.monitoring.replace_figures(
                deployment, {(f.start, f.version) for f in figures}, figures, performance=True
            )
        return len(figures)

    def _task(self, version: str) -> str | None:
        reference = self._reference(version, {})
        return reference.info.task if reference is not None else None

    # -- reads ------------------------------------------------------------------

    def figures(
        self,
        deployment: str,
        *,
        name: str | None = None,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Figure]:
        """Stored figures, oldest window first; *name* is a glob (``drift.*``)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000:
            raise InvalidInputError("limit is a whole number from 1 to 100000.")
        with self.store.read() as tx:
            return tx.monitoring.figures(
                deployment, name=name, version=version, since=since, until=until, limit=limit
            )

    def windows(
        self, deployment: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, Profile]]:
        """The stored windows and the references of their versions (for reports)."""
        with self.store.read() as tx:
            found = tx.monitoring.windows(deployment, since=since, until=until)
        found = [w for w in found if not (w["traffic"].get(BLOCK) or {}).get("open")]  # rows:N, unfilled
        cache: dict[str, Loaded | None] = {}
        references = {}
        for window in found:
            reference = self._reference(window["version"], cache)
            if reference is not None:
                references[window["version"]] = reference.profile
        return found, references

    def drift_config(self, deployment: str) -> DriftConfig:
        """The drift settings *deployment*'s monitor compares windows with."""
        with self.store.read() as tx:
            monitor = tx.monitoring.get_monitor(deployment)
        return _drift_config(monitor["drift"] if monitor else {})


def _drift_config(settings: Mapping[str, Any]) -> DriftConfig:
    try:
        return DriftConfig(**dict(settings))
    except TypeError as exc:
        raise InvalidInputError(f"Unknown drift setting: {exc}. Use DriftConfig's fields.") from None


def _plain(value: Any) -> Any:
    """A label as JSON: numpy scalars to Python numbers."""
    return value.item() if isinstance(value, np.generic) else value
