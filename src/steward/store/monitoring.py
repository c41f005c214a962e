"""Monitoring storage (the ``MonitoringRepository`` port): references, monitors, windows, figures, labels.

Figures are small rows keyed by (monitor, window start, version, name); a run
replaces a window's figures in the same transaction that merges the window's
profile and marks the payload-log files it read, so a run either counts a file
once, with its figures, or not at all.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.windows import Figure, ReferenceInfo
from steward.store.deployments import no_deployment
from steward.store.rows import as_utc, check_text, model_key, plain_json, version_id
from steward.store.schema import (
    deployments,
    monitoring_figures,
    monitoring_files,
    monitoring_labels,
    monitoring_references,
    monitoring_windows,
    monitors,
)

mr, mo, mf, mw, fg, ml = (
    monitoring_references,
    monitors,
    monitoring_files,
    monitoring_windows,
    monitoring_figures,
    monitoring_labels,
)
CHUNK = 500


def _glob_to_like(pattern: str) -> str | None:
    """A LIKE prefix that narrows a glob (``drift.*`` -> ``drift.%``); None when it cannot."""
    prefix = ""
    for char in pattern:
        if char in "*?[":
            break
        prefix += char
    if not prefix:
        return None
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqlMonitoringRepository:
    """Monitoring rows, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # -- references -------------------------------------------------------------

    def put_reference(
        self,
        model: str,
        version: int,
        *,
        task: str,
        features: Sequence[str],
        profile: dict[str, Any],
        calibration: dict[str, Any] | None,
        fingerprint: str,
        rows: int,
        actor: str,
        at: datetime,
    ) -> tuple[ReferenceInfo, ReferenceInfo | None]:
        """Store (or replace) the reference of ``model/version``; returns (new, previous)."""
        key = model_key(self._connection, model)
        vid = version_id(self._connection, model, key, version)
        previous = self._reference_row(vid)
        values = {
            "version_id": vid,
            "ref": f"{model}/{version}",
            "task": task,
            "features": [check_text(f, "Feature") for f in features],
            "profile": plain_json(profile, "Reference profile"),
            "calibration": plain_json(calibration, "Reference labels") if calibration else None,
            "fingerprint": fingerprint,
            "rows": rows,
            "created_by": check_text(actor, "Actor"),
            "created_at": as_utc(at),
        }
        if previous is None:
            self._connection.execute(sa.insert(mr).values(values))
        else:
            self._connection.execute(sa.update(mr).where(mr.c.version_id == vid).values(values))
        current = self._reference_row(vid)
        assert current is not None
        return _reference_info(current), _reference_info(previous) if previous is not None else None

    def _reference_row(self, vid: int) -> Any:
        return self._connection.execute(sa.select(mr).where(mr.c.version_id == vid)).first()

    def get_reference(
        self, model: str, version: int
    ) -> tuple[ReferenceInfo, dict[str, Any], dict[str, Any] | None]:
        """(info, profile, calibration) of ``model/version``; NotFoundError if none is set."""
        key = model_key(self._connection, model)
        row = self._reference_row(version_id(self._connection, model, key, version))
        if row is None:
            raise NotFoundError(
                f"Version {model}/{version} has no monitoring reference: set one with "
                f"`steward monitor set-reference {model}/{version} DATA`."
            )
        return _reference_info(row), dict(row.profile), row.calibration

    # -- monitors ---------------------------------------------------------------

    def _deployment_id(self, deployment: str) -> int:
        found = self._connection.execute(
            sa.select(deployments.c.id).where(deployments.c.name == deployment)
        ).scalar()
        if found is None:
            raise no_deployment(deployment)
        return int(found)

    def get_monitor(self, deployment: str) -> dict[str, Any] | None:
        """The monitor of *deployment* (window, drift settings), or None; NotFoundError if no deployment."""
        did = self._deployment_id(deployment)
        row = self._connection.execute(sa.select(mo).where(mo.c.deployment_id == did)).first()
        if row is None:
            return None
        return {"window": row.window, "drift": dict(row.drift), "created_by": row.created_by}

    def put_monitor(
        self, deployment: str, *, window: str, drift: dict[str, Any], actor: str, at: datetime
    ) -> None:
        did = self._deployment_id(deployment)
        values = {"window": window, "drift": plain_json(drift, "Drift settings"), "updated_at": as_utc(at)}
        updated = self._connection.execute(sa.update(mo).where(mo.c.deployment_id == did).values(values))
        if not updated.rowcount:
            self._connection.execute(
                sa.insert(mo).values(
                    deployment_id=did, created_by=check_text(actor, "Actor"), created_at=as_utc(at), **values
                )
            )

    def monitored(self) -> list[str]:
        """The deployments that have a monitor, by name."""
        query = sa.select(deployments.c.name).join(mo, mo.c.deployment_id == deployments.c.id)
        return list(self._connection.execute(query.order_by(deployments.c.name)).scalars())

    def _monitor_id(self, deployment: str) -> int:
        did = self._deployment_id(deployment)
        found = self._connection.execute(sa.select(mo.c.id).where(mo.c.deployment_id == did)).scalar()
        if found is None:
            raise NotFoundError(
                f"Deployment {deployment!r} is not monitored yet: run `steward monitor run {deployment}`."
            )
        return int(found)

    # -- files and windows ------------------------------------------------------

    def processed_files(self, deployment: str) -> set[str]:
        mid = self._monitor_id(deployment)
        return set(self._connection.execute(sa.select(mf.c.path).where(mf.c.monitor_id == mid)).scalars())

    def add_files(self, deployment: str, files: Sequence[tuple[str, int]], at: datetime) -> None:
        if files:
            mid = self._monitor_id(deployment)
            rows = [{"monitor_id": mid, "path": p, "rows": n, "processed_at": as_utc(at)} for p, n in files]
            self._connection.execute(sa.insert(mf), rows)

    def get_window(self, deployment: str, start: datetime, version: str) -> dict[str, Any] | None:
        mid = self._monitor_id(deployment)
        row = self._connection.execute(
            sa.select(mw).where(mw.c.monitor_id == mid, mw.c.start == as_utc(start), mw.c.version == version)
        ).first()
        return None if row is None else _window(row)

    def put_window(
        self,
        deployment: str,
        start: datetime,
        end: datetime,
        version: str,
        *,
        rows: int,
        profile: dict[str, Any],
        traffic: dict[str, Any],
        at: datetime,
    ) -> None:
        mid = self._monitor_id(deployment)
        values = {
            "end": as_utc(end),
            "rows": rows,
            "profile": plain_json(profile, "Window profile"),
            "traffic": plain_json(traffic, "Window traffic"),
            "updated_at": as_utc(at),
        }
        where = (mw.c.monitor_id == mid, mw.c.start == as_utc(start), mw.c.version == version)
        if not self._connection.execute(sa.update(mw).where(*where).values(values)).rowcount:
            self._connection.execute(
                sa.insert(mw).values(monitor_id=mid, start=as_utc(start), version=version, **values)
            )

    def windows(
        self, deployment: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every window (start in [since, until)), oldest first, with its profile and traffic."""
        mid = self._monitor_id(deployment)
        query = sa.select(mw).where(mw.c.monitor_id == mid)
        if since is not None:
            query = query.where(mw.c.start >= as_utc(since))
        if until is not None:
            query = query.where(mw.c.start < as_utc(until))
        return [_window(r) for r in self._connection.execute(query.order_by(mw.c.start, mw.c.version))]

    def last_windows(self, deployment: str) -> list[dict[str, Any]]:
        """Each version's newest window (for ``rows:N`` windows: the one a run goes on filling)."""
        mid = self._monitor_id(deployment)
        newest = (
            sa.select(mw.c.version, sa.func.max(mw.c.start).label("start"))
            .where(mw.c.monitor_id == mid)
            .group_by(mw.c.version)
            .subquery()
        )
        query = sa.select(mw).join(
            newest, sa.and_(mw.c.version == newest.c.version, mw.c.start == newest.c.start)
        )
        return [_window(r) for r in self._connection.execute(query.where(mw.c.monitor_id == mid))]

    # -- figures ----------------------------------------------------------------

    def replace_figures(
        self,
        deployment: str,
        windows: Iterable[tuple[datetime, str]],
        figures: Sequence[Figure],
        *,
        performance: bool = False,
    ) -> None:
        """Replace the figures of each (window start, version) in *windows* with *figures*.

        Performance figures (``performance.*``, from labels) and the others (from the payload log) are
        replaced separately: *performance* says which kind *figures* holds."""
        mid = self._monitor_id(deployment)
        for start, version in sorted(set(windows)):
            where = [fg.c.monitor_id == mid, fg.c.start == as_utc(start), fg.c.version == version]
            kind = fg.c.name.like("performance.%")
            where.append(kind if performance else sa.not_(kind))
            self._connection.execute(sa.delete(fg).where(*where))
        rows = [
            {
                "monitor_id": mid,
                "start": as_utc(f.start),
                "end": as_utc(f.end),
                "version": check_text(f.version, "Version"),
                "name": check_text(f.name, "Figure name"),
                "value": f.value,
                "details": plain_json(dict(f.details), "Figure details"),
            }
            for f in figures
        ]
        if rows:
            self._connection.execute(sa.insert(fg), rows)

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
        """Figures whose name matches the glob *name*, oldest window first (start in [since, until))."""
        mid = self._monitor_id(deployment)
        query = sa.select(fg).where(fg.c.monitor_id == mid)
        if name:
            like = _glob_to_like(name)
            if like is not None:
                query = query.where(fg.c.name.like(like, escape="\\"))
        if version is not None:
            query = query.where(fg.c.version == version)
        if since is not None:
            query = query.where(fg.c.start >= as_utc(since))
        if until is not None:
            query = query.where(fg.c.start < as_utc(until))
        out: list[Figure] = []
        for r in self._connection.execute(query.order_by(fg.c.start, fg.c.version, fg.c.name)):
            if name and not fnmatch.fnmatchcase(r.name, name):
                continue
            out.append(Figure(deployment, r.version, r.start, r.end, r.name, r.value, dict(r.details)))
            if len(out) >= limit:
                break
        return out

    # -- labels -----------------------------------------------------------------

    def put_labels(self, deployment: str, labels: Iterable[tuple[str, int, Any]], at: datetime) -> int:
        """Upsert by (request id, row): later labels replace earlier ones; returns the replaced count."""
        mid = self._monitor_id(deployment)
        items = {(check_text(r, "Request id"), int(n)): plain_json(v, "Label") for r, n, v in labels}
        keys = list(items)
        existing: set[tuple[str, int]] = set()
        for i in range(0, len(keys), CHUNK):
            ids = {k[0] for k in keys[i : i + CHUNK]}
            found = self._connection.execute(
                sa.select(ml.c.request_id, ml.c.row).where(ml.c.monitor_id == mid, ml.c.request_id.in_(ids))
            )
            existing.update((r.request_id, int(r.row)) for r in found)
        at = as_utc(at)
        new = [
            {"monitor_id": mid, "request_id": r, "row": n, "label": items[(r, n)], "arrived_at": at}
            for r, n in keys
            if (r, n) not in existing
        ]
        if new:
            self._connection.execute(sa.insert(ml), new)
        replaced = [
            {"m": mid, "r": r, "n": n, "label": items[(r, n)], "arrived_at": at}
            for r, n in keys
            if (r, n) in existing
        ]
        if replaced:
            self._connection.execute(
                sa.update(ml)
                .where(ml.c.monitor_id == sa.bindparam("m"), ml.c.request_id == sa.bindparam("r"))
                .where(ml.c.row == sa.bindparam("n")),
                replaced,
            )
        return len(replaced)

    def labels(self, deployment: str) -> list[tuple[str, int, Any]]:
        mid = self._monitor_id(deployment)
        rows = self._connection.execute(
            sa.select(ml.c.request_id, ml.c.row, ml.c.label).where(ml.c.monitor_id == mid)
        )
        return [(r.request_id, int(r.row), r.label) for r in rows]


def _reference_info(row: Any) -> ReferenceInfo:
    return ReferenceInfo(
        ref=row.ref,
        task=row.task,
        rows=int(row.rows),
        fingerprint=row.fingerprint,
        features=tuple(row.features),
        has_labels=row.calibration is not None,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _window(row: Any) -> dict[str, Any]:
    return {
        "start": row.start,
        "end": row.end,
        "version": row.version,
        "rows": int(row.rows),
        "profile": dict(row.profile),
        "traffic": dict(row.traffic),
    }
