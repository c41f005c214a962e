"""The composition root: settings in, adapters chosen, services built.

Nothing else in Steward decides which store or artifact backend to use.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from steward.artifacts import open_artifact_store
from steward.core.errors import InvalidInputError
from steward.ports import ArtifactStore, Store
from steward.services.access import AccessControl
from steward.services.alerting import AlertService
from steward.services.approval_inbox import ApprovalInbox
from steward.services.approvals import ApprovalService
from steward.services.audit import AuditService
from steward.services.cards import CardService
from steward.services.deploy import DeploymentService
from steward.services.events import EventService
from steward.services.evidence import EvidenceService
from steward.services.explain import ExplainService
from steward.services.findings import FindingService
from steward.services.identity import IdentityService
from steward.services.inventory import InventoryService
from steward.services.overview import OverviewService
from steward.services.policies import PolicyService
from steward.services.registry import RegistryService, utcnow
from steward.services.validation import ValidationGate, ValidationService
from steward.settings import Settings
from steward.store import open_store

if TYPE_CHECKING:
    from steward.services.live import LiveTrafficReader
    from steward.services.monitoring import MonitoringService
    from steward.services.retraining import RetrainingService
    from steward.services.rollout import RolloutService
    from steward.services.webhooks import WebhookService


class Steward:
    """Every service of one Steward installation, wired to its store and artifacts."""

    def __init__(self, settings: Settings, store: Store, artifacts: ArtifactStore) -> None:
        self.settings = settings
        self.store = store
        self.artifacts = artifacts
        self.access = AccessControl(store, enabled=settings.auth_enabled)
        self.policies = PolicyService(store, self.access)
        self.registry = RegistryService(store, artifacts, access=self.access, gate=self.policies)
        self.deployments = DeploymentService(store, access=self.access, gate=self.policies)
        self.identities = IdentityService(store, self.access)
        self.approvals = ApprovalService(store, self.access)
        self.cards = CardService(store, self.access)
        self.inventory = InventoryService(store)
        self.evidence = EvidenceService(store, self.policies)
        self.audit = AuditService(store)
        self.alerts = AlertService(store, access=self.access)
        self.validation = ValidationService(store, artifacts, self.registry, access=self.access)
        self.policies.validation = ValidationGate(self.validation)  # policies' validation gates read runs
        self.explain = ExplainService(store, artifacts, self.registry, access=self.access)
        self.findings = FindingService(store, self.access)
        self.overview = OverviewService(store, self.registry)  # read-only: the console's model pages
        self.approval_inbox = ApprovalInbox(store, self.access)  # the console's approvals inbox
        self.events = EventService(store)

    @cached_property
    def monitoring(self) -> MonitoringService:
        """Built on first use: the statistics behind it (SciPy) load only when monitoring is used."""
        from steward.services.monitoring import MonitoringService

        return MonitoringService(
            self.store,
            self.artifacts,
            self.settings.payloads,
            storage_options=self.settings.payloads_options or None,
            alerts=self.alerts,
            access=self.access,
        )

    @cached_property
    def webhooks(self) -> WebhookService:
        """Built on first use (it holds an HTTP connection pool for deliveries)."""
        from steward.services.webhooks import WebhookService

        return WebhookService(self.store, self.access)

    @cached_property
    def retraining(self) -> RetrainingService:
        """Built on first use; runs keep their logs under ``runs/`` beside the database (or STEWARD_HOME)."""
        from steward.services.retrain_execution import RunParts
        from steward.services.retraining import RetrainingService

        uri = self.settings.uri
        base = Path(uri[len("sqlite:///") :]).parent if uri.startswith("sqlite:///") else self.settings.home
        parts = RunParts(self.store, self.artifacts, self.registry, self.validation, self.approvals, utcnow)
        return RetrainingService(parts, base / "runs", self.access)

    @cached_property
    def live(self) -> LiveTrafficReader:
        """The recent end of the payload log (the console's live request rate, latency, errors)."""
        from steward.services.live import LiveTrafficReader

        return LiveTrafficReader(self.settings.payloads, self.settings.payloads_options or None)

    @cached_property
    def rollouts(self) -> RolloutService:
        """Progressive rollouts: judged from the payload log, changed through the deployments."""
        from steward.services.rollout import RolloutService

        return RolloutService(
            self.store, self.deployments, self.registry, lambda: self.live, access=self.access
        )

    @classmethod
    def open(cls, settings: Settings) -> Steward:
        if settings.is_remote:
            raise InvalidInputError(
                f"{settings.uri} is a control plane URL; the server needs a database URI "
                "(sqlite:///… or postgresql://…)."
            )
        store = open_store(settings.uri)
        try:
            artifacts = open_artifact_store(settings.artifacts, settings.artifacts_options or None)
        except BaseException:
            store.close()
            raise
        return cls(settings, store, artifacts)

    def close(self) -> None:
        if "webhooks" in self.__dict__:
            self.webhooks.close()
        self.store.close()

    def __enter__(self) -> Steward:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
