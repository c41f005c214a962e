"""Deployments and every revision of each (the ``DeploymentRepository`` port).

A deployment row holds the name and the number of its current revision; each
revision row holds one spec, as JSON, append-only. Revision numbers are taken
by an atomic ``UPDATE … RETURNING`` on the deployment row (as model versions
are), so concurrent writers queue and numbers have no gaps.

On PostgreSQL every change is announced with ``NOTIFY steward_deployments,
'<deployment>'`` in its own transaction (delivered at commit, never for a
rollback), as is every alias move (``'<model>'``, from ``store/aliases.py``):
inference servers LISTEN and re-resolve at once instead of polling.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.deployment import (
    DEPLOYMENT_NAME_RE,
    Deployment,
    DeploymentSpec,
    check_deployment_name,
)
from steward.core.errors import InvalidInputError, NotFoundError
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, plain_json
from steward.store.schema import deployment_revisions, deployments

dp, dr = deployments, deployment_revisions

#: The PostgreSQL channel that deployment changes and alias moves are announced on.
CHANGES_CHANNEL = "steward_deployments"


def announce_change(connection: Connection, name: str) -> None:
    """``NOTIFY steward_deployments, name`` with the transaction (PostgreSQL; SQLite has no NOTIFY)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_notify(CHANGES_CHANNEL, name)))


def no_deployment(name: str) -> NotFoundError:
    return NotFoundError(f"No deployment named {name!r} (`steward deploy list` shows them).")


def _lookup(name: str) -> str:
    """*name* if it could name a deployment; else NotFoundError (it cannot exist)."""
    if not isinstance(name, str) or not DEPLOYMENT_NAME_RE.match(name):
        raise no_deployment(name)
    return name


def _spec_json(spec: DeploymentSpec) -> dict[str, Any]:
    if not isinstance(spec, DeploymentSpec):
        raise InvalidInputError(f"A deployment spec must be a DeploymentSpec, got {type(spec).__name__}.")
    document: dict[str, Any] = plain_json(spec.checked().to_dict(), "Deployment spec")
    return document


class SqlDeploymentRepository:
    """Deployments and their revisions, bound to one transaction's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def create(self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str) -> Deployment:
        """Revision 1 of a new deployment; ConflictError if the name is taken."""
        check_deployment_name(name)
        document = _spec_json(spec)
        at = as_utc(at)
        message = f"Deployment {name!r} already exists; change it with `steward deploy update {name} …`."
        with unique_or_conflict(self._connection, message):
            deployment_id = self._connection.execute(
                sa.insert(dp)
                .values(name=name, current_revision=1, created_at=at, updated_at=at)
                .returning(dp.c.id)
            ).scalar_one()
        created = self._insert(deployment_id, name, 1, document, actor, at, reason)
        announce_change(self._connection, name)
        return created

    def append_revision(
        self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str
    ) -> Deployment:
        """The next revision; the UPDATE takes the deployment's row lock, so revisions are gap-free."""
        document = _spec_json(spec)
        at = as_utc(at)
        row = self._connection.execute(
            sa.update(dp)
            .where(dp.c.name == _lookup(name))
            .values(current_revision=dp.c.current_revision + 1, updated_at=at)
            .returning(dp.c.id, dp.c.current_revision)
        ).first()
        if row is None:
            raise no_deployment(name)
        changed = self._insert(int(row.id), name, int(row.current_revision), document, actor, at, reason)
        announce_change(self._connection, name)
        return changed

    def _insert(
        self,
        deployment_id: int,
        name: str,
        revision: int,
        document: dict[str, Any],
        actor: str,
        at: datetime,
        reason: str,
    ) -> Deployment:
        values = {
            "deployment_id": deployment_id,
            "revision": revision,
            "spec": document,
            "created_by": check_text(actor, "Actor"),
            "created_at": at,
            "reason": check_text(reason, "Reason"),
        }
        message = f"Deployment {name!r} already has revision {revision}."
        with unique_or_conflict(self._connection, message):
            self._connection.execute(sa.insert(dr).values(values))
        return Deployment(name, revision, DeploymentSpec.from_dict(document), actor, at, reason)

    def get(self, name: str, revision: int | None = None, *, lock: bool = False) -> Deployment:
        """The current (or a given) revision; *lock* takes the deployment's row lock (PostgreSQL).

        SQLite needs no row lock: its write transactions already run one at a time.
        """
        query = sa.select(dp.c.id, dp.c.current_revision).where(dp.c.name == _lookup(name))
        head = self._connection.execute(query.with_for_update() if lock else query).first()
        if head is None:
            raise no_deployment(name)
        wanted = head.current_revision if revision is None else revision
        row = self._connection.execute(
            sa.select(dr).where(dr.c.deployment_id == head.id, dr.c.revision == wanted)
        ).first()
        if row is None:
            raise NotFoundError(
                f"Deployment {name!r} has no revision {wanted} (current is {head.current_revision})."
            )
        return _from_row(name, row._mapping)

    def history(self, name: str) -> list[Deployment]:
        """Every revision, oldest first."""
        found = self._connection.execute(sa.select(dp.c.id).where(dp.c.name == _lookup(name))).scalar()
        if found is None:
            raise no_deployment(name)
        rows = self._connection.execute(
            sa.select(dr).where(dr.c.deployment_id == found).order_by(dr.c.revision)
        )
        return [_from_row(name, row._mapping) for row in rows]

    def list(self) -> list[Deployment]:
        """The current revision of every deployment, by name."""
        rows = self._connection.execute(
            sa.select(dr, dp.c.name.label("deployment_name"))
            .join(dp, (dp.c.id == dr.c.deployment_id) & (dp.c.current_revision == dr.c.revision))
            .order_by(dp.c.name)
        )
        return [_from_row(row.deployment_name, row._mapping) for row in rows]


def _from_row(name: str, m: Any) -> Deployment:
    return Deployment(
        name=name,
        revision=int(m["revision"]),
        spec=DeploymentSpec.from_dict(m["spec"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        reason=m["reason"],
    )
