"""The metadata store: a transaction groups the repositories bound to one database
transaction, so a change and its audit event commit together."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from steward.ports.analysis import ExplanationRepository, ValidationRepository
from steward.ports.deployments import DeploymentRepository, KilledVersionRepository
from steward.ports.events import WebhookRepository
from steward.ports.governance import (
    ApprovalRepository,
    CardRepository,
    FindingRepository,
    IdentityRepository,
    PolicyRepository,
)
from steward.ports.monitoring import AlertRepository, MonitoringRepository
from steward.ports.registry import AuditLog, ModelRepository
from steward.ports.retraining import RetrainRepository
from steward.ports.rollouts import RolloutRepository


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
    webhooks: WebhookRepository
    retraining: RetrainRepository
    rollouts: RolloutRepository


class Store(Protocol):
    """The metadata store: hands out transactions."""

    url: str

    def write(self) -> AbstractContextManager[Transaction]:
        """A read-write transaction, committed on clean exit, rolled back on error."""
        ...

    def read(self) -> AbstractContextManager[Transaction]: ...

    def close(self) -> None: ...
