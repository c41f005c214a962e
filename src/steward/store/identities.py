"""Users, service accounts, their grants and API tokens (the ``IdentityRepository`` port)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.errors import ConflictError, NotFoundError
from steward.core.identity import Grant, Principal, TokenInfo
from steward.core.permissions import Role
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text
from steward.store.schema import api_tokens, grants, principals

p, g, t = principals, grants, api_tokens


class SqlIdentityRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # -- principals -----------------------------------------------------------

    def create_principal(self, name: str, *, kind: str, created_by: str, at: datetime) -> Principal:
        by, when = check_text(created_by, "Actor"), as_utc(at)
        message = f"A user or service account named {name!r} already exists."
        with unique_or_conflict(self._connection, message):
            self._connection.execute(
                sa.insert(p).values(name=name, kind=kind, created_by=by, created_at=when)
            )
        return Principal(name, kind, by, when)

    def _principal_id(self, name: str) -> int:
        found = self._connection.execute(sa.select(p.c.id).where(p.c.name == name)).scalar()
        if found is None:
            raise NotFoundError(
                f"No user or service account named {name!r}; create it with `steward users create`."
            )
        return int(found)

    def get_principal(self, name: str) -> Principal:
        row = self._connection.execute(sa.select(p).where(p.c.name == name)).first()
        if row is None:
            self._principal_id(name)  # raises NotFoundError
        assert row is not None
        return Principal(row.name, row.kind, row.created_by, row.created_at, self.grants_of(name))

    def find_principal(self, name: str) -> Principal | None:
        row = self._connection.execute(sa.select(p).where(p.c.name == name)).first()
        if row is None:
            return None
        return Principal(row.name, row.kind, row.created_by, row.created_at, self.grants_of(name))

    def list_principals(self) -> list[Principal]:
        rows = self._connection.execute(sa.select(p).order_by(p.c.name)).all()
        by_name: dict[str, list[Grant]] = {}
        for name, role, model in self._connection.execute(
            sa.select(p.c.name, g.c.role, g.c.model).join(g, g.c.principal_id == p.c.id).order_by(g.c.id)
        ):
            by_name.setdefault(name, []).append(Grant(name, Role(role), model or None))
        return [
            Principal(r.name, r.kind, r.created_by, r.created_at, tuple(by_name.get(r.name, ())))
            for r in rows
        ]

    # -- grants ---------------------------------------------------------------

    def grants_of(self, name: str) -> tuple[Grant, ...]:
        rows = self._connection.execute(
            sa.select(g.c.role, g.c.model)
            .join(p, g.c.principal_id == p.c.id)
            .where(p.c.name == name)
            .order_by(g.c.id)
        )
        return tuple(Grant(name, Role(role), model or None) for role, model in rows)

    def add_grant(self, grant: Grant, *, created_by: str, at: datetime) -> Grant:
        pid = self._principal_id(grant.principal)
        message = f"{grant.principal!r} already holds {grant.role.value} on {grant.scope}."
        with unique_or_conflict(self._connection, message):
            self._connection.execute(
                sa.insert(g).values(
                    principal_id=pid,
                    role=grant.role.value,
                    model=grant.model or "",
                    created_by=check_text(created_by, "Actor"),
                    created_at=as_utc(at),
                )
            )
        return grant

    def remove_grant(self, grant: Grant) -> None:
        pid = self._principal_id(grant.principal)
        removed = self._connection.execute(
            sa.delete(g).where(
                g.c.principal_id == pid, g.c.role == grant.role.value, g.c.model == (grant.model or "")
            )
        ).rowcount
        if not removed:
            raise NotFoundError(f"{grant.principal!r} does not hold {grant.role.value} on {grant.scope}.")

    def count_with_role(self, role: Role) -> int:
        return int(
            self._connection.execute(
                sa.select(sa.func.count()).select_from(g).where(g.c.role == role.value, g.c.model == "")
            ).scalar_one()
        )

    # -- tokens ---------------------------------------------------------------

    def create_token(
        self,
        principal: str,
        *,
        name: str,
        digest: str,
        created_by: str,
        at: datetime,
        expires_at: datetime | None,
    ) -> TokenInfo:
        pid = self._principal_id(principal)
        token_id = self._connection.execute(
            sa.insert(t)
            .values(
                principal_id=pid,
                name=check_text(name, "Token name"),
                token_hash=digest,
                created_by=check_text(created_by, "Actor"),
                created_at=as_utc(at),
                expires_at=as_utc(expires_at) if expires_at is not None else None,
            )
            .returning(t.c.id)
        ).scalar_one()
        return self.get_token(int(token_id))

    def _token_query(self) -> sa.Select[Any]:
        return sa.select(t, p.c.name.label("principal")).join(p, t.c.principal_id == p.c.id)

    def get_token(self, token_id: int) -> TokenInfo:
        row = self._connection.execute(self._token_query().where(t.c.id == token_id)).first()
        if row is None:
            raise NotFoundError(f"No token with id {token_id}; `steward tokens list` shows them.")
        return _token(row)

    def token_by_digest(self, digest: str) -> tuple[TokenInfo, str] | None:
        """The token whose stored digest is *digest*, and that stored digest."""
        row = self._connection.execute(self._token_query().where(t.c.token_hash == digest)).first()
        return None if row is None else (_token(row), str(row.token_hash))

    def list_tokens(self, principal: str | None) -> list[TokenInfo]:
        query = self._token_query().order_by(t.c.id)
        if principal is not None:
            query = query.where(p.c.name == principal)
        return [_token(row) for row in self._connection.execute(query)]

    def revoke_token(self, token_id: int, at: datetime) -> TokenInfo:
        current = self.get_token(token_id)
        if current.revoked_at is not None:
            raise ConflictError(f"Token {token_id} was already revoked at {current.revoked_at.isoformat()}.")
        self._connection.execute(sa.update(t).where(t.c.id == token_id).values(revoked_at=as_utc(at)))
        return self.get_token(token_id)


def _token(row: Any) -> TokenInfo:
    return TokenInfo(
        id=int(row.id),
        principal=row.principal,
        name=row.name,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
