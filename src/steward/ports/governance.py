"""Identities, approvals, policies, model cards and findings."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from steward.core.approval import ApprovalRequest, Decision
from steward.core.card import CardStatus, ModelCard
from steward.core.finding import Finding, FindingStatus, Severity
from steward.core.identity import Grant, Principal, TokenInfo
from steward.core.permissions import Role
from steward.core.policy import Policy, PolicyDocument


class IdentityRepository(Protocol):
    """Users and service accounts, their grants and API tokens (stored as digests)."""

    def create_principal(self, name: str, *, kind: str, created_by: str, at: datetime) -> Principal:
        """ConflictError if the name is taken."""
        ...

    def get_principal(self, name: str) -> Principal:
        """With its grants; NotFoundError otherwise."""
        ...

    def find_principal(self, name: str) -> Principal | None: ...

    def list_principals(self) -> list[Principal]: ...

    def grants_of(self, name: str) -> tuple[Grant, ...]: ...

    def add_grant(self, grant: Grant, *, created_by: str, at: datetime) -> Grant: ...

    def remove_grant(self, grant: Grant) -> None: ...

    def count_with_role(self, role: Role) -> int:
        """Principals holding *role* globally."""
        ...

    def create_token(
        self,
        principal: str,
        *,
        name: str,
        digest: str,
        created_by: str,
        at: datetime,
        expires_at: datetime | None,
    ) -> TokenInfo: ...

    def get_token(self, token_id: int) -> TokenInfo: ...

    def token_by_digest(self, digest: str) -> tuple[TokenInfo, str] | None: ...

    def list_tokens(self, principal: str | None) -> list[TokenInfo]: ...

    def revoke_token(self, token_id: int, at: datetime) -> TokenInfo: ...


class ApprovalRepository(Protocol):
    """Approval requests and their decisions (insert-only)."""

    def create(
        self, model: str, version: int, target: str, *, requested_by: str, at: datetime, reason: str
    ) -> ApprovalRequest: ...

    def get(self, request_id: int, *, lock: bool = False) -> ApprovalRequest: ...

    def decide(self, request_id: int, reviewer: str, decision: Decision, comment: str, at: datetime) -> None:
        """ConflictError if *reviewer* already decided."""
        ...

    def list(
        self, *, model: str | None = None, version: int | None = None, target: str | None = None
    ) -> builtins.list[ApprovalRequest]: ...


class PolicyRepository(Protocol):
    """Published policies, immutable and versioned by name."""

    def publish(
        self, document: PolicyDocument, *, source: str, published_by: str, at: datetime
    ) -> Policy: ...

    def get(self, name: str, version: int | None = None) -> Policy: ...

    def current(self) -> list[Policy]:
        """The newest version of every policy."""
        ...

    def history(self, name: str) -> list[Policy]: ...


class CardRepository(Protocol):
    """The stored part of model cards (human sections, review status), one per version."""

    def find(self, model: str, version: int, *, lock: bool = False) -> ModelCard | None:
        """None if nobody wrote the card yet; NotFoundError if the version does not exist."""
        ...

    def save(self, card: ModelCard) -> ModelCard:
        """Insert or replace the version's card."""
        ...

    def statuses(self) -> dict[tuple[str, int], tuple[CardStatus, datetime | None]]:
        """Every stored card's (status, reviewed_at), by (model, version)."""
        ...


class FindingRepository(Protocol):
    """Findings raised on versions: opened, later closed with a resolution."""

    def open(
        self,
        model: str,
        version: int,
        *,
        title: str,
        severity: Severity,
        description: str,
        opened_by: str,
        at: datetime,
    ) -> Finding: ...

    def get(self, finding_id: int, *, lock: bool = False) -> Finding:
        """Raises NotFoundError."""
        ...

    def close(self, finding_id: int, *, closed_by: str, at: datetime, resolution: str) -> Finding: ...

    def list(
        self, *, model: str | None = None, version: int | None = None, status: FindingStatus | None = None
    ) -> builtins.list[Finding]:
        """Oldest first."""
        ...
