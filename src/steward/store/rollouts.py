"""Rollouts (the ``RolloutRepository`` port).

At most one rollout per deployment runs at a time: the ``running`` column holds the deployment's
name while it runs and NULL afterwards, under a unique constraint, so a second start loses on
either backend (SQLite and PostgreSQL both allow many NULLs in a unique column).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from steward.core.errors import ConflictError, NotFoundError
from steward.core.rollout import RolloutPlan
from steward.core.rollout_records import Rollout, RolloutEvent
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import rollouts

ro = rollouts


class SqlRolloutRepository:
    """Rollouts, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(self, rollout: Rollout) -> Rollout:
        """Insert *rollout* (its id is ignored); ConflictError if one already runs for its deployment."""
        try:
            with self._connection.begin_nested():
                new_id = self._connection.execute(
                    sa.insert(ro).values(**_values(rollout)).returning(ro.c.id)
                ).scalar_one()
        except IntegrityError:
            raise ConflictError(
                f"A rollout of deployment {rollout.deployment!r} is already running: wait for it to "
                f"finish or stop it with `steward rollout abort {rollout.deployment}`."
            ) from None
        return self.get(int(new_id))

    def update(self, rollout: Rollout) -> Rollout:
        values = _values(rollout)
        self._connection.execute(sa.update(ro).where(ro.c.id == rollout.id).values(**values))
        return self.get(rollout.id)

    def get(self, rollout_id: int, *, lock: bool = False) -> Rollout:
        query = sa.select(ro).where(ro.c.id == rollout_id)
        row = self._connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFoundError(f"No rollout {rollout_id} (`steward rollout list` shows them).")
        return _rollout(row)

    def latest(self, deployment: str) -> Rollout | None:
        row = self._connection.execute(
            sa.select(ro).where(ro.c.deployment == deployment).order_by(ro.c.id.desc()).limit(1)
        ).first()
        return _rollout(row) if row is not None else None

    def running(self) -> builtins.list[Rollout]:
        query = sa.select(ro).where(ro.c.running.is_not(None)).order_by(ro.c.id)
        return [_rollout(r) for r in self._connection.execute(query)]

    def list(self, deployment: str | None = None, *, limit: int = 100) -> builtins.list[Rollout]:
        query = sa.select(ro).order_by(ro.c.id.desc()).limit(limit)
        if deployment is not None:
            query = query.where(ro.c.deployment == deployment)
        return [_rollout(r) for r in self._connection.execute(query)]


def _values(rollout: Rollout) -> dict[str, Any]:
    return {
        "deployment": check_text(rollout.deployment, "Deployment"),
        "plan": plain_json(rollout.plan.to_dict(), "A rollout plan"),
        "champion": check_text(rollout.champion, "Champion"),
        "challenger": check_text(rollout.challenger, "Challenger"),
        "state": rollout.state,
        "step": rollout.step,
        "started_by": check_text(rollout.started_by, "Actor"),
        "started_at": as_utc(rollout.started_at),
        "step_started_at": as_utc(rollout.step_started_at),
        "finished_at": as_utc(rollout.finished_at) if rollout.finished_at else None,
        "reason": check_text(rollout.reason, "Reason"),
        "history": plain_json([e.to_dict() for e in rollout.history], "A rollout's history"),
        "running": rollout.deployment if rollout.running else None,
    }


def _rollout(r: Any) -> Rollout:
    finished: datetime | None = r.finished_at
    return Rollout(
        id=int(r.id),
        deployment=r.deployment,
        plan=RolloutPlan.from_dict(r.plan),
        champion=r.champion,
        challenger=r.challenger,
        state=r.state,
        step=int(r.step),
        started_by=r.started_by,
        started_at=r.started_at,
        step_started_at=r.step_started_at,
        finished_at=finished,
        reason=r.reason,
        history=tuple(RolloutEvent.from_dict(e) for e in r.history),
    )
