"""Approvals: a request to put a version on a target, and decisions.

A target is an alias (``champion``) or an environment (``env:production``): the
environment a deployment declares it runs in (see :mod:`steward.core.deployment`).

Decisions are immutable: a reviewer decides once per request. Separation of
duties: whoever registered the version or requested the approval cannot
decide on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from steward.core.errors import InvalidInputError, PermissionDeniedError
from steward.core.registry import check_alias

COMMENT_MAX = 2000
#: A target naming an environment rather than an alias: ``env:production``.
ENV_PREFIX = "env:"
ENVIRONMENT_RE = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")


def check_environment(name: object) -> str:
    """An environment's name: 1-60 lower-case letters, digits, '_' or '-', starting with a letter."""
    if not isinstance(name, str) or not ENVIRONMENT_RE.match(name):
        raise InvalidInputError(
            f"Invalid environment {name!r}: use 1-60 lower-case letters, digits, '_' or '-', "
            "starting with a letter (e.g. production)."
        )
    return name


def check_target(target: object) -> str:
    """An approval target: an alias (``champion``) or an environment (``env:production``)."""
    if isinstance(target, str) and target.startswith(ENV_PREFIX):
        return ENV_PREFIX + check_environment(target[len(ENV_PREFIX) :])
    if not isinstance(target, str):
        raise InvalidInputError("A target is an alias (champion) or an environment (env:production).")
    return check_alias(target)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class ApprovalDecision:
    reviewer: str
    decision: Decision
    comment: str
    at: datetime


@dataclass(frozen=True)
class ApprovalRequest:
    id: int
    model: str
    version: int
    target: str
    requested_by: str
    requested_at: datetime
    reason: str = ""
    decisions: tuple[ApprovalDecision, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(d.reviewer for d in self.decisions if d.decision is Decision.APPROVE)

    @property
    def rejected(self) -> bool:
        return any(d.decision is Decision.REJECT for d in self.decisions)

    @property
    def status(self) -> str:
        """``rejected`` once anyone rejects; ``approved (n)`` with n distinct approvals; else ``pending``."""
        if self.rejected:
            return "rejected"
        return f"approved ({len(self.approvers)})" if self.approvers else "pending"


def check_decision(decision: str) -> Decision:
    try:
        return Decision(decision)
    except ValueError:
        raise InvalidInputError(f"Unknown decision {decision!r}: use 'approve' or 'reject'.") from None


def check_comment(comment: str) -> str:
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise InvalidInputError(f"A comment is text of at most {COMMENT_MAX} characters.")
    return comment


def check_separation_of_duties(request: ApprovalRequest, reviewer: str, registered_by: str) -> None:
    """PermissionDeniedError if *reviewer* registered the version, requested or decided already."""
    if reviewer == registered_by:
        raise PermissionDeniedError(
            f"{reviewer!r} registered {request.ref} and cannot also approve it (separation of duties); "
            "ask another reviewer."
        )
    if reviewer == request.requested_by:
        raise PermissionDeniedError(
            f"{reviewer!r} requested approval #{request.id} and cannot also decide on it "
            "(separation of duties); ask another reviewer."
        )
    if any(d.reviewer == reviewer for d in request.decisions):
        raise PermissionDeniedError(
            f"{reviewer!r} has already decided on approval #{request.id}; decisions are final."
        )
