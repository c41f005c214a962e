"""Validation runs stored on the version they validated (the ``ValidationRepository`` port).

A run's checks, metrics and suite are one JSON report; the columns beside it
(version, fingerprint, passed, time) are what lists and policy gates read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import NotFoundError
from steward.core.validation.results import CheckResult, ValidationRun
from steward.store.rows import as_utc, check_text, lookup_name, model_key, plain_json
from steward.store.schema import model_versions, registered_models, validation_runs

vr, mv, rm = validation_runs, model_versions, registered_models


def _run(row: Any) -> ValidationRun:
    report = row.report
    return ValidationRun(
        id=int(row.id),
        model=row.model_name,
        version=int(row.version),
        created_at=row.created_at,
        created_by=row.created_by,
        data_fingerprint=row.data_fingerprint,
        rows=int(row.rows),
        target=row.target,
        task=row.task,
        against=row.against,
        passed=bool(row.passed),
        checks=tuple(CheckResult.from_dict(c) for c in report.get("checks", [])),
        metrics={str(k): v for k, v in (report.get("metrics") or {}).items()},
        suite=dict(report.get("suite") or {}),
    )


def _select() -> sa.Select[Any]:
    return (
        sa.select(vr, rm.c.name.label("model_name"), mv.c.version)
        .join(mv, mv.c.id == vr.c.version_id)
        .join(rm, rm.c.id == mv.c.model_id)
    )


class SqlValidationRepository:
    """Validation runs, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _version_id(self, model: str, version: int) -> int:
        found = self._connection.execute(
            sa.select(mv.c.id)
            .join(rm, rm.c.id == mv.c.model_id)
            .where(rm.c.name == lookup_name(model), mv.c.version == version)
        ).scalar_one_or_none()
        if found is None:
            latest = model_key(self._connection, model).latest_version  # NotFoundError for the model
            raise NotFoundError(f"Model {model!r} has no version {version} (latest is {latest}).")
        return int(found)

    def add(self, run: ValidationRun) -> ValidationRun:
        """Store *run* (its ``id`` is ignored) and return it with the id it was given."""
        version_id = self._version_id(run.model, run.version)
        report = plain_json(run.report(), "A validation report")
        new_id = self._connection.execute(
            sa.insert(vr)
            .values(
                version_id=version_id,
                created_at=as_utc(run.created_at),
                created_by=check_text(run.created_by, "actor"),
                data_fingerprint=run.data_fingerprint,
                rows=run.rows,
                target=run.target,
                task=run.task,
                against=run.against,
                passed=run.passed,
                report=report,
            )
            .returning(vr.c.id)
        ).scalar_one()
        return self.get(int(new_id))

    def get(self, run_id: int) -> ValidationRun:
        row = self._connection.execute(_select().where(vr.c.id == run_id)).first()
        if row is None:
            raise NotFoundError(f"No validation run {run_id} (`steward validations MODEL_REF` lists them).")
        return _run(row)

    def list(self, model: str, version: int, *, limit: int = 100) -> list[ValidationRun]:
        """The version's runs, newest first."""
        version_id = self._version_id(model, version)
        rows = self._connection.execute(
            _select().where(vr.c.version_id == version_id).order_by(vr.c.id.desc()).limit(limit)
        )
        return [_run(row) for row in rows]
