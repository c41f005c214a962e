"""The client's governance methods: users, tokens, approvals, policies, findings, the audit chain.

The same embedded (the services) and over HTTP (:mod:`steward.sdk.remote_governance`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from steward.core.approval import ApprovalRequest
from steward.core.audit import AuditEvent, ChainReport
from steward.core.errors import InvalidInputError
from steward.core.finding import Finding
from steward.core.history import AliasAt, DeploymentAt
from steward.core.identity import IssuedToken, Principal, TokenInfo
from steward.core.policy import Policy, PolicyCheck
from steward.core.registry import AliasEvent, ModelRef
from steward.core.search import parse_time

if TYPE_CHECKING:
    from steward.app import Steward


class EmbeddedGovernance:
    """The governance services of an opened :class:`~steward.app.Steward`, behind one object."""

    def __init__(self, app: Steward) -> None:
        self.identities = app.identities
        self.approvals = app.approvals
        self.policies = app.policies
        self.audit = app.audit
        self.findings = app.findings


def _time(at: datetime | str | None, what: str) -> datetime | None:
    if at is None or isinstance(at, datetime):
        return at
    if isinstance(at, str):
        return parse_time(at, what)
    raise InvalidInputError(f"{what} is a datetime or ISO 8601 text.")


class GovernanceMethods:
    """Mixed into :class:`~steward.Client`: ``self._gov`` is embedded or remote, ``self.actor`` who acts."""

    _gov: Any
    actor: str

    # -- identities -----------------------------------------------------------

    def create_user(
        self, name: str, *, kind: str = "user", role: str | None = None, model: str | None = None
    ) -> Principal:
        return self._gov.identities.create_user(name, actor=self.actor, kind=kind, role=role, model=model)  # type: ignore[no-any-return]

    def list_users(self) -> list[Principal]:
        return self._gov.identities.list_users()  # type: ignore[no-any-return]

    def grant(self, name: str, role: str, *, model: str | None = None) -> Principal:
        return self._gov.identities.grant(name, role, actor=self.actor, model=model)  # type: ignore[no-any-return]

    def revoke(self, name: str, role: str, *, model: str | None = None) -> Principal:
        return self._gov.identities.revoke(name, role, actor=self.actor, model=model)  # type: ignore[no-any-return]

    def create_token(
        self, principal: str | None = None, *, name: str = "", expires_in_days: int | None = 90
    ) -> IssuedToken:
        """A new API token (yours unless *principal*); ``.secret`` is shown this once."""
        return self._gov.identities.create_token(  # type: ignore[no-any-return]
            principal or self.actor, actor=self.actor, name=name, expires_in_days=expires_in_days
        )

    def list_tokens(self, principal: str | None = None) -> list[TokenInfo]:
        return self._gov.identities.list_tokens(actor=self.actor, principal=principal)  # type: ignore[no-any-return]

    def revoke_token(self, token_id: int) -> TokenInfo:
        return self._gov.identities.revoke_token(token_id, actor=self.actor)  # type: ignore[no-any-return]

    # -- approvals ------------------------------------------------------------

    def request_approval(self, ref: str, target: str, *, reason: str = "") -> ApprovalRequest:
        """Ask reviewers to approve *ref* for *target*: an alias (champion) or env:production."""
        return self._gov.approvals.request(ref, target, actor=self.actor, reason=reason)  # type: ignore[no-any-return]

    def approve(self, request_id: int, *, comment: str = "") -> ApprovalRequest:
        return self._gov.approvals.decide(request_id, "approve", actor=self.actor, comment=comment)  # type: ignore[no-any-return]

    def reject(self, request_id: int, *, comment: str = "") -> ApprovalRequest:
        return self._gov.approvals.decide(request_id, "reject", actor=self.actor, comment=comment)  # type: ignore[no-any-return]

    def approvals(
        self, *, model: str | None = None, version: int | None = None, target: str | None = None
    ) -> list[ApprovalRequest]:
        return self._gov.approvals.list(model=model, version=version, target=target)  # type: ignore[no-any-return]

    # -- policies -------------------------------------------------------------

    def publish_policy(self, source: str | Path) -> Policy:
        """Publish a policy from YAML text or a ``.yaml`` file."""
        if isinstance(source, Path):
            try:
                source = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInputError(f"Cannot read the policy file {source}: {exc}.") from None
        return self._gov.policies.publish(source, actor=self.actor)  # type: ignore[no-any-return]

    def policies(self) -> list[Policy]:
        return self._gov.policies.list()  # type: ignore[no-any-return]

    def get_policy(self, name: str, version: int | None = None) -> Policy:
        return self._gov.policies.get(name, version)  # type: ignore[no-any-return]

    def check_policy(self, ref: str, alias: str) -> PolicyCheck:
        """Every gate guarding *alias* for version *ref*, with pass/fail and why."""
        return self._gov.policies.check(ref, alias)  # type: ignore[no-any-return]

    def override_alias(self, model: str, alias: str, version: int, *, reason: str) -> AliasEvent:
        """Admins: move a protected alias although gates fail; the reason is audited."""
        return self._gov.policies.override(model, alias, version, actor=self.actor, reason=reason)  # type: ignore[no-any-return]

    def override_delete_alias(self, model: str, alias: str, *, reason: str) -> AliasEvent:
        """Admins: delete a protected alias (refused otherwise); the reason is audited."""
        return self._gov.policies.override(model, alias, None, actor=self.actor, reason=reason)  # type: ignore[no-any-return]

    # -- findings -------------------------------------------------------------

    def open_finding(self, ref: str, title: str, *, severity: str, description: str = "") -> Finding:
        """Reviewers, admins: open a finding on version *ref* (severity low|medium|high|critical)."""
        return self._gov.findings.open(  # type: ignore[no-any-return]
            ref, title=title, severity=severity, description=description, actor=self.actor
        )

    def close_finding(self, finding_id: int, *, resolution: str) -> Finding:
        """Reviewers, admins: close an open finding, saying what was done (or why it is accepted)."""
        return self._gov.findings.close(finding_id, resolution=resolution, actor=self.actor)  # type: ignore[no-any-return]

    def findings(self, ref: str | None = None, *, status: str | None = None) -> list[Finding]:
        """Findings of a version (churn/7), a model (churn) or all; *status* open or closed."""
        return self._gov.findings.list(ref, status=status)  # type: ignore[no-any-return]

    def get_finding(self, finding_id: int) -> Finding:
        return self._gov.findings.get(finding_id)  # type: ignore[no-any-return]

    # -- the audit chain ------------------------------------------------------

    def verify_audit(self, *, from_seq: int | None = None, expected_hash: str | None = None) -> ChainReport:
        """Recompute the audit hash chain; the report names the first event that does not fit.

        With *from_seq* (and *expected_hash*), start from a checkpoint an earlier report gave
        (``report.last_seq``, ``report.last_hash``): only the events after it are read."""
        return self._gov.audit.verify(from_seq=from_seq, expected_hash=expected_hash)  # type: ignore[no-any-return]

    def export_audit(
        self, *, since: datetime | str | None = None, until: datetime | str | None = None
    ) -> Iterator[AuditEvent]:
        return iter(self._gov.audit.export(since=_time(since, "since"), until=_time(until, "until")))

    def alias_at_time(self, ref: str, at: datetime | str) -> AliasAt:
        """Where ``model@alias`` pointed at *at*, and the move that put it there."""
        parsed = ModelRef.parse(ref)
        if parsed.alias is None:
            raise InvalidInputError(f"Name an alias, e.g. {parsed.model}@champion, not {ref!r}.")
        return self._gov.audit.alias_at(parsed.model, parsed.alias, _time(at, "time"))  # type: ignore[no-any-return]

    def deployment_at(self, name: str, at: datetime | str) -> DeploymentAt:
        """The revision of deployment *name* in force at *at*, routes resolved as they were then."""
        return self._gov.audit.deployment_at(name, _time(at, "time"))  # type: ignore[no-any-return]
