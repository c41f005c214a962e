"""Retraining configs, runs and the trigger cursor (the ``RetrainRepository`` port).

"At most one active run per model" is the database's rule, not only a check
in Python: ``retrain_runs.active_key`` holds the model's name while a run is
queued or running (NULL otherwise) under a UNIQUE constraint, so a second
control plane racing to queue a run gets a unique violation, turned into
:class:`ConflictError` here. Cursor, schedule and performance moves are
conditional updates on the value the caller read, so two evaluators never act
on the same alert, tick or window twice.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import ConflictError, NotFoundError
from steward.core.retrain_runs import ACTIVE, RetrainRun
from steward.core.retraining import ConfiguredRetraining, RetrainConfig
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import retrain_configs, retrain_cursors, retrain_runs

rc, rr, cur = retrain_configs, retrain_runs, retrain_cursors
TEXT_MAX = 4000


def no_config(model: str) -> NotFoundError:
    return NotFoundError(
        f"Model {model!r} has no retraining config: add one with `steward retrain config {model} --entry … "
        "--data … --target …`."
    )


def no_run(run_id: int) -> NotFoundError:
    return NotFoundError(f"No retraining run {run_id} (`steward retrain runs` lists them).")


class SqlRetrainRepository:
    """Retraining, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # -- configs ------------------------------------------------------------------------------------

    def put_config(
        self,
        config: RetrainConfig,
        *,
        actor: str,
        at: datetime,
        since_seq: int,
        next_due: datetime | None,
    ) -> ConfiguredRetraining | None:
        """Create or replace the model's config; the one it replaced, if any."""
        before = self.find_config(config.model)
        values = {
            "config": plain_json(config.to_dict(), "The retraining config"),
            "updated_by": check_text(actor, "Actor"),
            "updated_at": as_utc(at),
            "since_seq": since_seq,
            "next_due": as_utc(next_due) if next_due else None,
        }
        if before is None:
            self._connection.execute(
                sa.insert(rc).values(model=config.model, performance_seen=None, **values)
            )
        else:
            self._connection.execute(sa.update(rc).where(rc.c.model == config.model).values(**values))
        return before

    def set_since(self, model: str, seq: int) -> None:
        self._connection.execute(sa.update(rc).where(rc.c.model == model).values(since_seq=seq))

    def find_config(self, model: str) -> ConfiguredRetraining | None:
        row = self._connection.execute(sa.select(rc).where(rc.c.model == model)).first()
        return _configured(row) if row is not None else None

    def get_config(self, model: str) -> ConfiguredRetraining:
        found = self.find_config(model)
        if found is None:
            raise no_config(model)
        return found

    def list_configs(self) -> builtins.list[ConfiguredRetraining]:
        return [_configured(r) for r in self._connection.execute(sa.select(rc).order_by(rc.c.model))]

    def delete_config(self, model: str) -> ConfiguredRetraining:
        found = self.get_config(model)
        self._connection.execute(sa.delete(rc).where(rc.c.model == model))
        return found

    def move_schedule(self, model: str, *, seen: datetime | None, to: datetime | None) -> bool:
        """Set the next cron tick from *seen* (what the caller read) to *to*; False if someone moved it."""
        where = rc.c.next_due.is_(None) if seen is None else rc.c.next_due == as_utc(seen)
        done = self._connection.execute(
            sa.update(rc).where(rc.c.model == model, where).values(next_due=as_utc(to) if to else None)
        )
        return done.rowcount == 1

    def move_performance(self, model: str, *, seen: datetime | None, to: datetime) -> bool:
        where = rc.c.performance_seen.is_(None) if seen is None else rc.c.performance_seen == as_utc(seen)
        done = self._connection.execute(
            sa.update(rc).where(rc.c.model == model, where).values(performance_seen=as_utc(to))
        )
        return done.rowcount == 1

    # -- runs ---------------------------------------------------------------------------------------

    def add_run(self, run: RetrainRun, config: RetrainConfig) -> RetrainRun:
        """Insert *run*; a queued one takes the model's active slot (ConflictError if it is taken)."""
        active = run.state in ACTIVE
        values = {
            "model": run.model,
            "trigger": run.trigger,
            "trigger_detail": check_text(run.trigger_detail, "Trigger detail")[:TEXT_MAX],
            "state": run.state,
            "active_key": run.model if active else None,
            "engine": run.engine,
            "config": plain_json(config.to_dict(), "The retraining config"),
            "params": plain_json(run.params, "Training params"),
            "created_by": check_text(run.created_by, "Actor"),
            "created_at": as_utc(run.created_at),
            "finished_at": None if active else as_utc(run.created_at),
            "parent": run.parent,
            "outcome": check_text(run.outcome, "Outcome")[:TEXT_MAX],
            "progress": 0.0,
            "message": "",
            "error": check_text(run.error, "Error")[:TEXT_MAX],
            "log_path": "",
        }
        statement = sa.insert(rr).values(**values).returning(rr.c.id)
        if active:
            with unique_or_conflict(self._connection, f"Model {run.model!r} already has an active run."):
                new_id = self._connection.execute(statement).scalar_one()
        else:
            new_id = self._connection.execute(statement).scalar_one()
        return self.get_run(int(new_id))

    def get_run(self, run_id: int) -> RetrainRun:
        row = self._connection.execute(sa.select(rr).where(rr.c.id == run_id)).first()
        if row is None:
            raise no_run(run_id)
        return _run(row)

    def run_config(self, run_id: int) -> RetrainConfig:
        found = self._connection.execute(sa.select(rr.c.config).where(rr.c.id == run_id)).scalar()
        if found is None:
            raise no_run(run_id)
        return RetrainConfig.from_dict(found)

    def list_runs(self, model: str | None = None, *, limit: int = 100) -> builtins.list[RetrainRun]:
        query = sa.select(rr).order_by(rr.c.id.desc()).limit(limit)
        if model is not None:
            query = query.where(rr.c.model == model)
        return [_run(r) for r in self._connection.execute(query)]

    def active_run(self, model: str) -> RetrainRun | None:
        row = self._connection.execute(sa.select(rr).where(rr.c.active_key == model)).first()
        return _run(row) if row is not None else None

    def claim_next(
        self, token: str, *, now: datetime, until: datetime, run_id: int | None = None
    ) -> RetrainRun | None:
        """Take the oldest queued run, or run *run_id* if queued (state -> running, leased to *token*);
        None if there is none."""
        query = sa.select(rr.c.id).where(rr.c.state == "queued").order_by(rr.c.id).limit(5)
        if run_id is not None:
            query = query.where(rr.c.id == run_id)
        queued = self._connection.execute(query).all()
        for (found_id,) in queued:
            done = self._connection.execute(
                sa.update(rr)
                .where(rr.c.id == found_id, rr.c.state == "queued")
                .values(state="running", started_at=as_utc(now), lease_token=token, lease_until=as_utc(until))
            )
            if done.rowcount == 1:
                return self.get_run(int(found_id))
        return None

    def update_running(
        self, run_id: int, token: str, *, until: datetime | None = None, **fields: Any
    ) -> bool:
        """Renew the lease and record *fields* (progress, message, log_path, candidate …) while the run is
        ours and running; False once it is not (cancelled, or taken as stale)."""
        values = {k: _clean(k, v) for k, v in fields.items()}
        if until is not None:
            values["lease_until"] = as_utc(until)
        done = self._connection.execute(
            sa.update(rr)
            .where(rr.c.id == run_id, rr.c.state == "running", rr.c.lease_token == token)
            .values(**values)
        )
        return done.rowcount == 1

    def finish(
        self,
        run_id: int,
        state: str,
        *,
        at: datetime,
        token: str | None = None,
        expired_before: datetime | None = None,
        **fields: Any,
    ) -> bool:
        """Move an active run to *state* (frees the model's slot); False if it was not active (or not
        ours, given *token*)."""
        values = {k: _clean(k, v) for k, v in fields.items()}
        where = [rr.c.id == run_id, rr.c.state.in_(ACTIVE)]
        if token is not None:
            where.append(rr.c.lease_token == token)
        if expired_before is not None:  # a stale run, unless its runner renewed the lease meanwhile
            where.append(rr.c.lease_until < as_utc(expired_before))
        done = self._connection.execute(
            sa.update(rr)
            .where(*where)
            .values(
                state=state,
                active_key=None,
                finished_at=as_utc(at),
                lease_token=None,
                lease_until=None,
                **values,
            )
        )
        return done.rowcount == 1

    def stale(self, now: datetime) -> builtins.list[int]:
        """Running runs whose runner stopped renewing its lease."""
        rows = self._connection.execute(
            sa.select(rr.c.id)
            .where(rr.c.state == "running", rr.c.lease_until < as_utc(now))
            .order_by(rr.c.id)
        )
        return [int(r.id) for r in rows]

    # -- the alert cursor ---------------------------------------------------------------------------

    def cursor(self, name: str) -> int | None:
        found = self._connection.execute(sa.select(cur.c.seq).where(cur.c.name == name)).scalar()
        return None if found is None else int(found)

    def move_cursor(self, name: str, *, seen: int | None, to: int) -> bool:
        """Move the cursor from *seen* (None: it did not exist) to *to*; False if another evaluator did."""
        if seen is None:
            try:
                with unique_or_conflict(self._connection, "cursor exists"):
                    self._connection.execute(sa.insert(cur).values(name=name, seq=to))
            except ConflictError:
                return False
            return True
        done = self._connection.execute(
            sa.update(cur).where(cur.c.name == name, cur.c.seq == seen).values(seq=to)
        )
        return done.rowcount == 1


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return check_text(value, key)[:TEXT_MAX]
    return value


def _configured(row: Any) -> ConfiguredRetraining:
    return ConfiguredRetraining(
        config=RetrainConfig.from_dict(row.config),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        since_seq=int(row.since_seq),
        next_due=row.next_due,
        performance_seen=row.performance_seen,
    )


def _run(r: Any) -> RetrainRun:
    return RetrainRun(
        id=int(r.id),
        model=r.model,
        trigger=r.trigger,
        trigger_detail=r.trigger_detail,
        state=r.state,
        engine=r.engine,
        created_by=r.created_by,
        created_at=r.created_at,
        started_at=r.started_at,
        finished_at=r.finished_at,
        parent=r.parent,
        candidate=r.candidate,
        validation_run=None if r.validation_run is None else int(r.validation_run),
        validation_passed=r.validation_passed,
        approval=None if r.approval is None else int(r.approval),
        outcome=r.outcome,
        progress=float(r.progress),
        message=r.message,
        error=r.error,
        log_path=r.log_path,
        params=dict(r.params or {}),
    )
