"""The Python SDK: one ``Client`` for an embedded registry or a remote control plane.

``Client()`` uses the embedded default (SQLite and a local folder under
``~/.steward``); ``Client("postgresql://…")`` a shared database;
``Client("http://host:8080")`` a control plane over HTTP. The methods, their
results and their errors are the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError
from steward.core.lineage import DatasetRef, Lineage, describe_dataset
from steward.core.registry import AliasEvent, ModelRef, ModelVersion, RegisteredModel, VersionDraft
from steward.core.search import Page
from steward.core.signature import Signature
from steward.ports import ArtifactStore
from steward.sdk.cards import CardMethods, Cards, EmbeddedCards
from steward.sdk.deployments import DeploymentMethods, Deployments
from steward.sdk.events import EmbeddedEvents, EventMethods, Events, RemoteEvents
from steward.sdk.explain import ExplainMethods, Explanations
from steward.sdk.governance import EmbeddedGovernance, GovernanceMethods
from steward.sdk.monitoring import Monitoring, MonitoringMethods
from steward.sdk.retraining import EmbeddedRetraining, RemoteRetraining, Retraining, RetrainingMethods
from steward.sdk.rollouts import EmbeddedRollouts, RemoteRollouts, RolloutMethods, Rollouts
from steward.sdk.scoring import ScoringMethods
from steward.sdk.validation import ValidationMethods, Validations
from steward.services.environment import git_commit, package_versions, python_version
from steward.services.packaging import LoadedModel, load_version, package_model
from steward.services.registry import LineageReport
from steward.settings import Settings


class Registry(Protocol):
    """What the client needs of a registry; the embedded service and the HTTP client both fit."""

    def create_model(
        self,
        name: str,
        *,
        actor: str,
        description: str = "",
        owner: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> RegisteredModel: ...
    def get_model(self, name: str) -> RegisteredModel: ...
    def update_model(
        self, name: str, *, actor: str, description: str | None = None, tags: dict[str, Any] | None = None
    ) -> RegisteredModel: ...
    def search_models(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]: ...
    def register_version(self, draft: VersionDraft, *, actor: str) -> ModelVersion: ...
    def get_version(self, ref: str | ModelRef) -> ModelVersion: ...
    def search_versions(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[ModelVersion]: ...
    def lineage(self, ref: str | ModelRef) -> LineageReport: ...
    def set_alias(
        self, model: str, alias: str, version: int | str, *, actor: str, reason: str = ""
    ) -> AliasEvent: ...
    def delete_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent: ...
    def rollback_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent: ...
    def alias_history(self, model: str, alias: str | None = None) -> list[AliasEvent]: ...
    def alias_at(self, model: str, alias: str, at: datetime) -> int | None: ...
    def audit_events(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[AuditEvent]: ...


class Client(
    DeploymentMethods,
    GovernanceMethods,
    MonitoringMethods,
    ExplainMethods,
    ValidationMethods,
    ScoringMethods,
    CardMethods,
    EventMethods,
    RetrainingMethods,
    RolloutMethods,
):
    """Register, find, load, label and deploy models.

    >>> client = steward.Client()                       # embedded, ~/.steward
    >>> v = client.register(model, "churn", input_example=X[:5], metrics={"auc": 0.91})
    >>> client.set_alias("churn", "champion", v.version)
    >>> client.load("churn@champion").predict(X)
    >>> client.create_deployment("churn-api", {"churn@champion": 90, f"churn/{v.version}": 10})
    >>> client.score("churn@champion", "customers.parquet", "scored.parquet")
    """

    def __init__(
        self,
        uri: str | None = None,
        *,
        artifacts: str | None = None,
        actor: str | None = None,
        token: str | None = None,
        auth: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings.resolve(
            uri, artifacts=artifacts, actor=actor, token=token, auth=auth
        )
        self.actor = self.settings.actor
        self._closers: list[Any] = []
        if self.settings.is_remote:
            from steward.sdk.remote import RemoteDeployments, RemoteRegistry
            from steward.sdk.remote_analysis import RemoteExplanations, RemoteValidations
            from steward.sdk.remote_governance import RemoteGovernance

            remote = RemoteRegistry(self.settings.uri, token=self.settings.token, actor=self.actor)
            self._registry: Registry = remote
            self._artifacts: ArtifactStore = remote.artifacts
            self._deployments: Deployments = RemoteDeployments(remote.http)
            self._gov: Any = RemoteGovernance(remote.http)
            from steward.sdk.remote_monitoring import RemoteMonitoring

            self._monitoring: Monitoring = RemoteMonitoring(remote.http)
            self._explanations: Explanations = RemoteExplanations(remote)
            self._validations: Validations = RemoteValidations(remote)
            from steward.sdk.cards import RemoteCards

            self._cards: Cards = RemoteCards(remote)
            self._events: Events = RemoteEvents(remote.http)
            self._retraining: Retraining = RemoteRetraining(remote.http)
            self._rollouts: Rollouts = RemoteRollouts(remote.http)
            self._closers.append(remote)
        else:
            from steward.app import Steward

            app = Steward.open(self.settings)
            self._registry = app.registry
            self._artifacts = app.artifacts
            self._deployments = app.deployments
            self._gov = EmbeddedGovernance(app)
            from steward.sdk.monitoring import EmbeddedMonitoring

            self._monitoring = EmbeddedMonitoring(app.monitoring, app.alerts)
            self._explanations = app.explain
            self._validations = app.validation
            self._cards = EmbeddedCards(app.cards, app.inventory, app.evidence)
            self._events = EmbeddedEvents(app)
            self._retraining = EmbeddedRetraining(app)
            self._rollouts = EmbeddedRollouts(app)
            self._closers.append(app)
            if self.settings.auth_enabled and self.settings.token:  # signed in: the token decides who acts
                self.actor = app.identities.authenticate(self.settings.token)

    @property
    def uri(self) -> str:
        return self.settings.uri

    # -- registration ---------------------------------------------------------

    def register(
        self,
        model: object,
        name: str,
        *,
        input_example: Any = None,
        signature: Signature | dict[str, Any] | None = None,
        flavor: str | None = None,
        flavor_settings: dict[str, Any] | None = None,
        metrics: dict[str, float] | None = None,
        params: dict[str, Any] | None = None,
        tags: dict[str, Any] | None = None,
        description: str = "",
        training_data: Any = None,
        evaluation_data: Any = None,
        datasets: Sequence[DatasetRef] = (),
        parent: str | None = None,
        source: str | None = None,
        aliases: Sequence[str] = (),
        capture_code: bool = True,
    ) -> ModelVersion:
        """Store *model* as the next immutable version of *name*.

        The signature is inferred from *input_example* unless given; training and
        evaluation data are fingerprinted into the lineage (the data itself is not
        stored); the git commit and package versions are captured.
        """
        ModelRef.parse(name)
        # Resolve the parent before uploading anything: an unknown parent fails early, and
        # an alias or "latest" is pinned to the version it names now (aliases move later).
        parent_ref = self._registry.get_version(parent).ref if parent else None
        packaged = package_model(
            self._artifacts,
            model,
            flavor=flavor,
            flavor_settings=flavor_settings,
            input_example=input_example,
            signature=signature,
        )
        refs = list(datasets)
        if training_data is not None:
            refs.append(describe_dataset(training_data, "training", "training"))
        if evaluation_data is not None:
            refs.append(describe_dataset(evaluation_data, "evaluation", "evaluation"))
        commit, repo = git_commit() if capture_code else (None, None)
        lineage = Lineage(
            datasets=tuple(refs),
            code_commit=commit,
            code_repo=repo,
            python_version=python_version(),
            packages=package_versions(packaged.flavor),
            parent=parent_ref,
            source=source,
        )
        draft = VersionDraft(
            model=name,
            artifact_digest=packaged.artifact_digest,
            flavor=packaged.flavor,
            signature=packaged.signature,
            metrics=dict(metrics or {}),
            params={k: str(v) for k, v in (params or {}).items()},
            tags=dict(tags or {}),
            description=description,
            lineage=lineage,
            flavor_options=packaged.flavor_options,
        )
        version = self._registry.register_version(draft, actor=self.actor)
        for alias in aliases:
            self.set_alias(name, alias, version.version)
        if aliases:
            version = self._registry.get_version(version.ref)
        return version

    def import_mlflow(self, path: str | Path, name: str, **kwargs: Any) -> ModelVersion:
        """Register an MLflow-format model folder (one with an ``MLmodel`` file)."""
        from steward.flavors.mlflow import read_mlflow_model

        imported = read_mlflow_model(Path(path))
        if "flavor" in kwargs:
            raise InvalidInputError(
                "An MLflow model's flavor comes from its MLmodel file; do not pass flavor."
            )
        kwargs.setdefault("signature", imported.signature)
        kwargs.setdefault("input_example", imported.input_example)
        kwargs.setdefault("source", f"mlflow run {imported.run_id}" if imported.run_id else "mlflow")
        return self.register(imported.model, name, flavor=imported.flavor, **kwargs)

    # -- models ---------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        owner: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> RegisteredModel:
        return self._registry.create_model(
            name, actor=self.actor, description=description, owner=owner, tags=tags
        )

    def get_model(self, name: str) -> RegisteredModel:
        return self._registry.get_model(name)

    def update_model(
        self, name: str, *, description: str | None = None, tags: dict[str, Any] | None = None
    ) -> RegisteredModel:
        return self._registry.update_model(name, actor=self.actor, description=description, tags=tags)

    def search_models(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        return self._registry.search_models(
            filter, order_by=order_by, max_results=max_results, page_token=page_token
        )

    # -- versions -------------------------------------------------------------

    def get(self, ref: str) -> ModelVersion:
        """A version by reference: ``churn/3``, ``churn@champion``, ``churn`` (latest)."""
        return self._registry.get_version(ref)

    def load(self, ref: str | ModelVersion) -> LoadedModel:
        """Load a version, verifying every file against the registry's digests."""
        version = ref if isinstance(ref, ModelVersion) else self.get(ref)
        return load_version(self._artifacts, version)

    def search(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        """Search versions: ``"name = 'churn' AND metrics.auc > 0.8"``."""
        return self._registry.search_versions(
            filter, order_by=order_by, max_results=max_results, page_token=page_token
        )

    def lineage(self, ref: str) -> LineageReport:
        return self._registry.lineage(ref)

    # -- aliases --------------------------------------------------------------

    def set_alias(self, model: str, alias: str, version: int | str, *, reason: str = "") -> AliasEvent:
        return self._registry.set_alias(model, alias, version, actor=self.actor, reason=reason)

    def delete_alias(self, model: str, alias: str, *, reason: str = "") -> AliasEvent:
        return self._registry.delete_alias(model, alias, actor=self.actor, reason=reason)

    def rollback_alias(self, model: str, alias: str, *, reason: str = "") -> AliasEvent:
        """Move *alias* back to where it pointed before its last move."""
        return self._registry.rollback_alias(model, alias, actor=self.actor, reason=reason)

    def alias_history(self, model: str, alias: str | None = None) -> list[AliasEvent]:
        return self._registry.alias_history(model, alias)

    def alias_at(self, model: str, alias: str, at: datetime | str) -> int | None:
        """Which version *alias* pointed to at time *at* (ISO text or datetime)."""
        if isinstance(at, str):
            from steward.core.search import parse_time

            at = parse_time(at)
        if not isinstance(at, datetime):
            raise InvalidInputError("at is a datetime or ISO 8601 text.")
        return self._registry.alias_at(model, alias, at)

    # -- audit ----------------------------------------------------------------

    def audit(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[AuditEvent]:
        return self._registry.audit_events(
            target=target,
            action=action,
            since=since,
            until=until,
            max_results=max_results,
            page_token=page_token,
        )

    # -- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        while self._closers:
            self._closers.pop().close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<steward.Client {self.uri}>"
