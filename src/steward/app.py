"""The composition root: settings in, adapters chosen, services built.

Nothing else in Steward decides which store or artifact backend to use.
"""

from __future__ import annotations

from types import TracebackType

from steward.artifacts import open_artifact_store
from steward.core.errors import InvalidInputError
from steward.ports import ArtifactStore, Store
from steward.services.deploy import DeploymentService
from steward.services.explain import ExplainService
from steward.services.registry import RegistryService
from steward.services.validation import ValidationService
from steward.settings import Settings
from steward.store import open_store


class Steward:
    """Every service of one Steward installation, wired to its store and artifacts."""

    def __init__(self, settings: Settings, store: Store, artifacts: ArtifactStore) -> None:
        self.settings = settings
        self.store = store
        self.artifacts = artifacts
        self.registry = RegistryService(store, artifacts)
        self.deployments = DeploymentService(store)
        self.validation = ValidationService(store, artifacts, self.registry)
        self.explain = ExplainService(store, artifacts, self.registry)

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
        self.store.close()

    def __enter__(self) -> Steward:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
