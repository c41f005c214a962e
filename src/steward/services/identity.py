"""Users, service accounts, roles and API tokens; and signing in with a token.

The first global admin may be created by anyone who can open the database
(embedded mode: ``steward users create NAME --role admin``); after that,
identities are managed by admins. Anyone signed in may create, list and
revoke their own tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steward.core.audit import AuditEvent
from steward.core.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from steward.core.identity import (
    Grant,
    IssuedToken,
    Principal,
    TokenInfo,
    check_kind,
    check_principal_name,
    digests_match,
    new_token_secret,
    token_digest,
)
from steward.core.permissions import Permission, Role, check_role
from steward.core.registry import check_model_name
from steward.ports import Store, Transaction
from steward.services.access import AccessControl
from steward.services.registry import Clock, utcnow

MAX_TOKEN_DAYS = 3650


class IdentityService:
    def __init__(self, store: Store, access: AccessControl, clock: Clock = utcnow) -> None:
        self.store = store
        self.access = access
        self.clock = clock

    # -- principals and grants ------------------------------------------------

    def create_user(
        self, name: str, *, actor: str, kind: str = "user", role: str | None = None, model: str | None = None
    ) -> Principal:
        """A user or service account, optionally with a first role (the first admin bootstraps itself)."""
        check_principal_name(name)
        check_kind(kind)
        grant = Grant(name, check_role(role), _scope(model)) if role else None
        with self.store.write() as tx:
            bootstrap = grant is not None and grant.role is Role.ADMIN and grant.model is None
            bootstrap = bootstrap and tx.identities.count_with_role(Role.ADMIN) == 0
            if not bootstrap:
                self.access.require_in(tx, actor, Permission.IDENTITY)
            at = self.clock()
            tx.identities.create_principal(name, kind=kind, created_by=actor, at=at)
            after: dict[str, object] = {"kind": kind, "role": grant.role.value if grant else None}
            after["scope"] = grant.scope if grant else None
            _audit(tx, "user.create", name, actor, at, None, after, "first admin" if bootstrap else "")
            if grant is not None:
                tx.identities.add_grant(grant, created_by=actor, at=at)
            return tx.identities.get_principal(name)

    def get_user(self, name: str) -> Principal:
        check_principal_name(name)
        with self.store.read() as tx:
            return tx.identities.get_principal(name)

    def list_users(self) -> list[Principal]:
        with self.store.read() as tx:
            return tx.identities.list_principals()

    def grant(self, name: str, role: str, *, actor: str, model: str | None = None) -> Principal:
        check_principal_name(name)
        grant = Grant(name, check_role(role), _scope(model))
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.IDENTITY)
            at = self.clock()
            tx.identities.add_grant(grant, created_by=actor, at=at)
            _audit(tx, "role.grant", name, actor, at, None, {"role": grant.role.value, "scope": grant.scope})
            return tx.identities.get_principal(name)

    def revoke(self, name: str, role: str, *, actor: str, model: str | None = None) -> Principal:
        check_principal_name(name)
        grant = Grant(name, check_role(role), _scope(model))
        with self.store.write() as tx:
            self.access.require_in(tx, actor, Permission.IDENTITY)
            tx.identities.remove_grant(grant)
            if (
                grant.role is Role.ADMIN
                and grant.model is None
                and tx.identities.count_with_role(Role.ADMIN) == 0
            ):
                raise InvalidInputError(f"{name!r} is the last admin; grant admin to someone else first.")
            at = self.clock()
            _audit(tx, "role.revoke", name, actor, at, {"role": grant.role.value, "scope": grant.scope}, None)
            return tx.identities.get_principal(name)

    # -- tokens ---------------------------------------------------------------

    def create_token(
        self, principal: str, *, actor: str, name: str = "", expires_in_days: int | None = 90
    ) -> IssuedToken:
        """A new token for *principal* (yourself, or anyone if you are an admin); its secret is shown once."""
        check_principal_name(principal)
        if expires_in_days is not None and (
            isinstance(expires_in_days, bool)
            or not isinstance(expires_in_days, int)
            or not 1 <= expires_in_days <= MAX_TOKEN_DAYS
        ):
            raise InvalidInputError(f"A token expires in 1 to {MAX_TOKEN_DAYS} days (or never: no expiry).")
        if not isinstance(name, str) or len(name) > 128:
            raise InvalidInputError("A token's name is text of at most 128 characters.")
        secret = new_token_secret()
        with self.store.write() as tx:
            self._self_or_admin(tx, actor, principal)
            tx.identities.get_principal(principal)
            at = self.clock()
            expires = at + timedelta(days=expires_in_days) if expires_in_days is not None else None
            info = tx.identities.create_token(
                principal, name=name, digest=token_digest(secret), created_by=actor, at=at, expires_at=expires
            )
            after = {"id": info.id, "name": name, "expires_at": expires.isoformat() if expires else None}
            _audit(tx, "token.create", principal, actor, at, None, after)
            return IssuedToken(info, secret)

    def list_tokens(self, *, actor: str, principal: str | None = None) -> list[TokenInfo]:
        with self.store.read() as tx:
            if principal is None and not self.access.enabled:
                return tx.identities.list_tokens(None)
            if principal is None:
                if self._is_admin(tx, actor):
                    return tx.identities.list_tokens(None)
                principal = actor
            self._self_or_admin(tx, actor, principal)
            return tx.identities.list_tokens(principal)

    def revoke_token(self, token_id: int, *, actor: str) -> TokenInfo:
        if isinstance(token_id, bool) or not isinstance(token_id, int) or token_id < 1:
            raise InvalidInputError(f"Invalid token id {token_id!r}: `steward tokens list` shows the ids.")
        with self.store.write() as tx:
            info = tx.identities.get_token(token_id)
            self._self_or_admin(tx, actor, info.principal)
            at = self.clock()
            revoked = tx.identities.revoke_token(token_id, at)
            _audit(tx, "token.revoke", info.principal, actor, at, {"id": token_id}, None)
            return revoked

    def authenticate(self, secret: str) -> str:
        """Whose token *secret* is; AuthenticationError if it is unknown, expired or revoked."""
        if not isinstance(secret, str) or not secret or len(secret) > 200:
            raise AuthenticationError("Sign in with an API token: Authorization: Bearer <token>.")
        with self.store.read() as tx:
            found = tx.identities.token_by_digest(token_digest(secret))
        if found is None or not digests_match(found[1], secret):
            raise AuthenticationError("The API token is not valid. Create one with `steward tokens create`.")
        info = found[0]
        now = self.clock()
        if info.revoked_at is not None:
            raise AuthenticationError(f"API token {info.id} was revoked; create a new one.")
        if info.expires_at is not None and now >= info.expires_at:
            when = info.expires_at.isoformat()
            raise AuthenticationError(f"API token {info.id} expired at {when}; create a new one.")
        return info.principal

    def needs_first_admin(self) -> bool:
        with self.store.read() as tx:
            return tx.identities.count_with_role(Role.ADMIN) == 0

    def _is_admin(self, tx: Transaction, actor: str) -> bool:
        try:
            self.access.require_in(tx, actor, Permission.IDENTITY)
        except PermissionDeniedError:
            return False
        return True

    def _self_or_admin(self, tx: Transaction, actor: str, principal: str) -> None:
        if actor != principal:
            self.access.require_in(tx, actor, Permission.IDENTITY)


def _scope(model: str | None) -> str | None:
    return None if model in (None, "", "*") else check_model_name(str(model))


def _audit(
    tx: Transaction,
    action: str,
    target: str,
    actor: str,
    at: datetime,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
    reason: str = "",
) -> None:
    tx.audit.append(AuditEvent(action, "principal", target, actor, at.astimezone(UTC), before, after, reason))
