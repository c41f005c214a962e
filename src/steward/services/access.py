"""Authorization: whether an actor may do something, checked by every mutating service method.

With auth off (the embedded, single-user default) everyone may do everything
and actors are plain names. With auth on, the actor is the signed-in
principal (the adapters authenticate, from a token) and its grants decide::

    self._access.require(actor, Permission.DEPLOY, model="churn")

raises PermissionDeniedError, naming the roles that would allow it, before
anything is written.
"""

from __future__ import annotations

from steward.core.errors import PermissionDeniedError
from steward.core.permissions import Permission, allows, roles_with
from steward.ports import Store, Transaction


class AccessControl:
    def __init__(self, store: Store, *, enabled: bool) -> None:
        self.store = store
        self.enabled = enabled

    def require(self, actor: str, permission: Permission, *, model: str | None = None) -> None:
        """Raise PermissionDeniedError unless *actor* holds *permission* (on *model*)."""
        if not self.enabled:
            return
        with self.store.read() as tx:
            self.require_in(tx, actor, permission, model=model)

    def require_in(
        self, tx: Transaction, actor: str, permission: Permission, *, model: str | None = None
    ) -> None:
        """:meth:`require` inside a transaction the caller already holds."""
        if not self.enabled:
            return
        if allows(tx.identities.grants_of(actor), permission, model):
            return
        scope = f" on model {model!r}" if model is not None else ""
        roles = " or ".join(roles_with(permission))
        raise PermissionDeniedError(
            f"{actor!r} may not {permission.value}{scope}: that needs the {roles} role"
            f"{' (on this model or every model)' if model is not None else ''}. Ask an admin for a grant "
            f"(`steward users grant {actor} ROLE`)."
        )

    def require_somewhere(self, actor: str, permission: Permission) -> None:
        """*permission* on at least one model (uploading artifacts, before a version names its model)."""
        if not self.enabled:
            return
        with self.store.read() as tx:
            grants = tx.identities.grants_of(actor)
        if not any(allows(grants, permission, g.model) for g in grants):
            roles = " or ".join(roles_with(permission))
            raise PermissionDeniedError(f"{actor!r} may not {permission.value}: that needs the {roles} role.")

    def allowed(self, actor: str, permission: Permission, *, model: str | None = None) -> bool:
        if not self.enabled:
            return True
        with self.store.read() as tx:
            return allows(tx.identities.grants_of(actor), permission, model)
