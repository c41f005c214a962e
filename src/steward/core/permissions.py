"""Roles and what each may do: the permission matrix, in one table.

Roles: viewer (reads), contributor (registers and validates), reviewer
(approves, opens and closes findings), operator (deploys, rolls back, moves aliases), admin (everything,
including identities, policies and overrides). A grant is global or scoped
to one model; a permission that is not about a model needs a global grant.
Reads need no permission beyond being signed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from steward.core.errors import InvalidInputError

if TYPE_CHECKING:
    from steward.core.identity import Grant


class Role(StrEnum):
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class Permission(StrEnum):
    MODEL_WRITE = "model.write"  # create a model, change its description or tags
    REGISTER = "version.register"
    VALIDATE = "version.validate"
    REQUEST_APPROVAL = "approval.request"
    APPROVE = "approval.decide"
    ALIAS = "alias.move"  # set, delete, roll back an alias
    DEPLOY = "deployment.change"  # create, update, roll back, promote a deployment
    KILL_SWITCH = "deployment.kill"
    POLICY = "policy.publish"
    OVERRIDE = "policy.override"
    IDENTITY = "identity.manage"  # users, grants, other people's tokens
    MONITOR = "monitoring.manage"  # references, monitor settings, labels, alert rules
    FINDING = "finding.manage"  # open and close findings on a version


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset(),
    Role.CONTRIBUTOR: frozenset(
        {
            Permission.MODEL_WRITE,
            Permission.REGISTER,
            Permission.VALIDATE,
            Permission.REQUEST_APPROVAL,
            Permission.MONITOR,
        }
    ),
    Role.REVIEWER: frozenset({Permission.APPROVE, Permission.FINDING}),
    Role.OPERATOR: frozenset(
        {
            Permission.ALIAS,
            Permission.DEPLOY,
            Permission.KILL_SWITCH,
            Permission.REQUEST_APPROVAL,
            Permission.MONITOR,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInputError(f"Unknown role {role!r}: use one of {names}.") from None


def allows(grants: Iterable[Grant], permission: Permission, model: str | None) -> bool:
    """Whether any of *grants* gives *permission* on *model* (None: a permission not about a model)."""
    for grant in grants:
        if permission not in ROLE_PERMISSIONS[grant.role]:
            continue
        if grant.model is None or (model is not None and grant.model == model):
            return True
    return False


def roles_with(permission: Permission) -> list[str]:
    return [role.value for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
