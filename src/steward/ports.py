"""The contracts services depend on (``typing.Protocol``), split by aggregate.

Services see storage only through these; ``steward.app`` picks the concrete
adapters from settings. A :class:`Transaction` groups the repositories bound to
one database transaction, so a change and its audit event commit together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from steward.core.audit import AuditEvent
from steward.core.deployment import Deployment, DeploymentSpec
from steward.core.explain import Explanation
from steward.core.registry import AliasEvent, ModelVersion, RegisteredModel, VersionDraft
from steward.core.search import Node, OrderKey
from steward.core.validation.results import ValidationRun


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


class Transaction(Protocol):
    models: ModelRepository
    audit: AuditLog
    deployments: DeploymentRepository
    explanations: ExplanationRepository
    validation: ValidationRepository


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
