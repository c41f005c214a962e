"""The contracts services depend on (``typing.Protocol``), split by aggregate.

Services see storage only through these; ``steward.app`` picks the concrete
adapters from settings. A :class:`Transaction` groups the repositories bound to
one database transaction, so a change and its audit event commit together.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from steward.core.alerts import Alert, AlertRule
from steward.core.approval import ApprovalRequest, Decision
from steward.core.audit import AuditEvent, ChainHead
from steward.core.card import CardStatus, ModelCard
from steward.core.deployment import Deployment, DeploymentSpec, KilledVersion
from steward.core.explain import Explanation
from steward.core.finding import Finding, FindingStatus, Severity
from steward.core.identity import Grant, Principal, TokenInfo
from steward.core.permissions import Role
from steward.core.policy import Policy, PolicyDocument
from steward.core.registry import AliasEvent, ModelVersion, RegisteredModel, VersionDraft
from steward.core.search import Node, OrderKey
from steward.core.validation.results import ValidationRun
from steward.core.windows import Figure, ReferenceInfo


class ModelRepository(Protocol):
    """Registered models, their versions and aliases."""

    def create_model(
        self, name: str, *, description: str, owner: str, tags: dict[str, str], at: datetime
    ) -> RegisteredModel:
        """Raises ConflictError if the name is taken."""
        ...

    def get_model(self, name: str) -> RegisteredModel:
        """Raises NotFoundError."""
        ...

    def update_model(
        self, name: str, *, description: str | None, tags: dict[str, str] | None, at: datetime
    ) -> RegisteredModel: ...

    def allocate_version(self, name: str, at: datetime) -> int:
        """Atomically take the model's next version number (locks the model row)."""
        ...

    def insert_version(
        self, draft: VersionDraft, *, version: int, created_by: str, at: datetime
    ) -> ModelVersion: ...

    def get_version(self, name: str, version: int) -> ModelVersion:
        """Raises NotFoundError naming the latest version."""
        ...

    def search_models(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[RegisteredModel]: ...

    def search_versions(
        self, node: Node | None, order: tuple[OrderKey, ...], offset: int, limit: int
    ) -> list[ModelVersion]: ...

    def get_alias(self, name: str, alias: str) -> int | None: ...

    def set_alias(
        self, name: str, alias: str, version: int | None, *, actor: str, at: datetime, reason: str
    ) -> AliasEvent:
        """Point *alias* at *version* (None deletes it) and record the move."""
        ...

    def alias_history(self, name: str, alias: str | None) -> list[AliasEvent]:
        """Oldest first."""
        ...

    def alias_at(self, name: str, alias: str, at: datetime) -> int | None: ...


class AuditLog(Protocol):
    """Append-only record of every state change."""

    def append(self, event: AuditEvent) -> AuditEvent: ...

    def list(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AuditEvent]: ...

    def head(self) -> ChainHead | None:
        """The hash chain's recorded last event (None if that record is missing)."""
        ...

    def scan(self, after_seq: int, limit: int) -> builtins.list[AuditEvent]:
        """Up to *limit* events with ``seq`` above *after_seq*, by ``seq``, with their hashes."""
        ...

    def search(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        about: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        upto_seq: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> builtins.list[AuditEvent]:
        """Events matching every filter, newest first. *action* matches itself and ``action.*``;
        *about* matches a target and, for a model name, its versions (``m/3``) and aliases (``m@a``);
        *since* inclusive, *until* exclusive; *upto_seq*: events numbered at most that."""
        ...


class Transaction(Protocol):
    models: ModelRepository
    audit: AuditLog
    deployments: DeploymentRepository
    killed_versions: KilledVersionRepository
    identities: IdentityRepository
    approvals: ApprovalRepository
    policies: PolicyRepository
    monitoring: MonitoringRepository
    alerts: AlertRepository
    explanations: ExplanationRepository
    validation: ValidationRepository
    cards: CardRepository
    findings: FindingRepository


class Store(Protocol):
    """The metadata store: hands out transactions."""

    url: str

    def write(self) -> AbstractContextManager[Transaction]:
        """A read-write transaction, committed on clean exit, rolled back on error."""
        ...

    def read(self) -> AbstractContextManager[Transaction]: ...

    def close(self) -> None: ...


class ArtifactStore(Protocol):
    """Content-addressed blobs (sha256 hex digests). Every read verifies the digest."""

    url: str

    def put_bytes(self, data: bytes) -> str: ...

    def put_stream(self, stream: BinaryIO) -> str: ...

    def put_file(self, path: Path) -> str: ...

    def get_bytes(self, digest: str) -> bytes:
        """Raises NotFoundError, or IntegrityError if the blob does not match."""
        ...

    def get_file(self, digest: str, dest: Path) -> None:
        """Write the verified blob to *dest* (atomically)."""
        ...

    def open_chunks(self, digest: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream the blob; raises IntegrityError at the end if it does not match."""
        ...

    def exists(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None: ...


class Predictor(Protocol):
    """A loaded model, ready to predict."""

    def predict(self, data: Any) -> Any: ...


class Flavor(Protocol):
    """How one ML framework's models are saved, loaded and called."""

    name: str

    def handles(self, model: object) -> bool: ...

    def save(self, model: object, path: Path) -> dict[str, Any]:
        """Write *model* into the empty folder *path*; return options ``load`` needs."""
        ...

    def load(self, path: Path, options: dict[str, Any]) -> Predictor: ...

    def native(self, predictor: Predictor) -> object:
        """The framework's own object behind *predictor*."""
        ...


class DeploymentRepository(Protocol):
    """Named deployments and every revision of each (append-only)."""

    def create(self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str) -> Deployment:
        """Revision 1 of a new deployment; ConflictError if the name is taken."""
        ...

    def append_revision(
        self, name: str, spec: DeploymentSpec, *, actor: str, at: datetime, reason: str
    ) -> Deployment:
        """The next revision (locks the deployment row so revisions are gap-free)."""
        ...

    def get(self, name: str, revision: int | None = None, *, lock: bool = False) -> Deployment:
        """The current (or a given) revision; NotFoundError otherwise.

        *lock* holds the deployment's row until the transaction ends, so a change
        computed from what was read cannot interleave with another writer's.
        """
        ...

    def history(self, name: str) -> list[Deployment]:
        """Every revision, oldest first."""
        ...

    def list(self) -> list[Deployment]:
        """The current revision of every deployment, by name."""
        ...


class KilledVersionRepository(Protocol):
    """Versions stopped by the kill switch (each change announced to listening servers)."""

    def add(self, killed: KilledVersion) -> None: ...

    def remove(self, model: str, version: int) -> None: ...

    def get(self, model: str, version: int) -> KilledVersion | None: ...

    def list(self) -> builtins.list[KilledVersion]: ...


# -- governance -----------------------------------------------------------------


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


class ValidationResults(Protocol):
    """What policies ask of the validation feature.

    ``latest_passed`` is True when the newest results for *version* passed
    every one of *checks*, False when one failed, None when there are no
    results for some of them (a gate then fails with that reason).
    """

    def latest_passed(self, model: str, version: int, checks: Sequence[str]) -> bool | None: ...


class MonitoringRepository(Protocol):
    """Reference profiles per version; per deployment a monitor, the payload-log files it read,
    window profiles, figures (time series) and ground-truth labels."""

    def put_reference(
        self,
        model: str,
        version: int,
        *,
        task: str,
        features: Sequence[str],
        profile: dict[str, Any],
        calibration: dict[str, Any] | None,
        fingerprint: str,
        rows: int,
        actor: str,
        at: datetime,
    ) -> tuple[ReferenceInfo, ReferenceInfo | None]:
        """Store or replace a version's reference; returns (new, previous)."""
        ...

    def get_reference(
        self, model: str, version: int
    ) -> tuple[ReferenceInfo, dict[str, Any], dict[str, Any] | None]:
        """(info, profile, calibration); NotFoundError if the version has none."""
        ...

    def get_monitor(self, deployment: str) -> dict[str, Any] | None: ...

    def put_monitor(
        self, deployment: str, *, window: str, drift: dict[str, Any], actor: str, at: datetime
    ) -> None: ...

    def monitored(self) -> list[str]:
        """The deployments that have a monitor, by name."""
        ...

    def processed_files(self, deployment: str) -> set[str]: ...

    def add_files(self, deployment: str, files: Sequence[tuple[str, int]], at: datetime) -> None: ...

    def get_window(self, deployment: str, start: datetime, version: str) -> dict[str, Any] | None: ...

    def put_window(
        self,
        deployment: str,
        start: datetime,
        end: datetime,
        version: str,
        *,
        rows: int,
        profile: dict[str, Any],
        traffic: dict[str, Any],
        at: datetime,
    ) -> None: ...

    def windows(
        self, deployment: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]: ...

    def last_windows(self, deployment: str) -> list[dict[str, Any]]:
        """Each version's newest window."""
        ...

    def replace_figures(
        self,
        deployment: str,
        windows: Iterable[tuple[datetime, str]],
        figures: Sequence[Figure],
        *,
        performance: bool = False,
    ) -> None:
        """Replace the (window, version)s' payload-log figures, or their performance figures."""
        ...

    def figures(
        self,
        deployment: str,
        *,
        name: str | None = None,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Figure]: ...

    def put_labels(self, deployment: str, labels: Iterable[tuple[str, int, Any]], at: datetime) -> int:
        """Upsert by (request id, row); returns how many earlier labels were replaced."""
        ...

    def labels(self, deployment: str) -> list[tuple[str, int, Any]]: ...


class AlertRepository(Protocol):
    """Alert rules, and alerts with at most one open per rule, deployment, version and figure."""

    def put_rule(self, rule: AlertRule, *, actor: str, at: datetime) -> AlertRule | None: ...

    def get_rule(self, name: str) -> AlertRule: ...

    def delete_rule(self, name: str) -> AlertRule: ...

    def list_rules(self) -> list[AlertRule]: ...

    def open_alert(self, rule: str, deployment: str, version: str, figure: str) -> Alert | None: ...

    def last_fired_window(self, rule: str, deployment: str, version: str, figure: str) -> datetime | None: ...

    def fire(
        self,
        rule: AlertRule,
        *,
        deployment: str,
        version: str,
        figure: str,
        value: float | None,
        window_start: datetime,
        at: datetime,
    ) -> Alert: ...

    def resolve(self, rule: str, alert_id: int, *, at: datetime) -> Alert: ...

    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]: ...


class ValidationRepository(Protocol):
    """Validation runs, stored on the version they validated."""

    def add(self, run: ValidationRun) -> ValidationRun:
        """Store *run* (its id is ignored); NotFoundError if its version does not exist."""
        ...

    def get(self, run_id: int) -> ValidationRun:
        """Raises NotFoundError."""
        ...

    def list(self, model: str, version: int, *, limit: int = 100) -> list[ValidationRun]:
        """The version's runs, newest first."""
        ...


class ExplanationRepository(Protocol):
    """Stored explanations, one per (version, data fingerprint, request key)."""

    def insert(self, explanation: Explanation) -> Explanation:
        """Store it (the result gets its id); ConflictError if that version, data and request have one."""
        ...

    def find(
        self, model: str, version: int, data_fingerprint: str, request_key: str
    ) -> Explanation | None: ...

    def get(self, model: str, version: int, explanation_id: int) -> Explanation:
        """Raises NotFoundError."""
        ...

    def list(self, model: str, version: int, kind: str | None = None) -> list[Explanation]:
        """Newest first."""
        ...


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
