"""The contracts services depend on (``typing.Protocol``), split by aggregate.

Services see storage only through these; ``steward.app`` picks the concrete
adapters from settings. A :class:`Transaction` groups the repositories bound to
one database transaction, so a change and its audit event commit together.
"""

from __future__ import annotations

from steward.ports.analysis import ExplanationRepository, ValidationRepository, ValidationResults
from steward.ports.artifacts import ArtifactStore
from steward.ports.deployments import DeploymentRepository, KilledVersionRepository
from steward.ports.events import WebhookRepository
from steward.ports.flavors import Flavor, Predictor
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
from steward.ports.store import Store, Transaction

__all__ = [
    "AlertRepository",
    "ApprovalRepository",
    "ArtifactStore",
    "AuditLog",
    "CardRepository",
    "DeploymentRepository",
    "ExplanationRepository",
    "FindingRepository",
    "Flavor",
    "IdentityRepository",
    "KilledVersionRepository",
    "ModelRepository",
    "MonitoringRepository",
    "PolicyRepository",
    "Predictor",
    "RetrainRepository",
    "RolloutRepository",
    "Store",
    "Transaction",
    "ValidationRepository",
    "ValidationResults",
    "WebhookRepository",
]
