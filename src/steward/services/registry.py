"""The registry use cases: models, versions, aliases, search, lineage.

Every state change writes its audit event in the same transaction as the
change itself, so there is no change without its record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from steward.artifacts import check_tree
from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.lineage import Lineage
from steward.core.permissions import Permission
from steward.core.registry import (
    VALUE_MAX,
    AliasEvent,
    ModelRef,
    ModelVersion,
    RegisteredModel,
    VersionDraft,
    check_alias,
    check_model_name,
    check_tags,
    check_version_number,
)
from steward.core.search import (
    Node,
    OrderKey,
    Page,
    check_max_results,
    decode_page_token,
    encode_page_token,
    parse_filter,
    parse_order_by,
)
from steward.flavors import get_flavor
from steward.ports import ArtifactStore, Store, Transaction

if TYPE_CHECKING:
    from steward.services.access import AccessControl

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def version_summary(version: ModelVersion) -> dict[str, Any]:
    """What the audit trail records of a version."""
    return {
        "model": version.model,
        "version": version.version,
        "artifact_digest": version.artifact_digest,
        "flavor": version.flavor,
        "metrics": version.metrics,
    }


@dataclass(frozen=True)
class LineageReport:
    """A version's lineage and the chain of versions it was retrained from."""

    version: ModelVersion
    lineage: Lineage
    ancestors: tuple[str, ...]


class AliasGate(Protocol):
    """What guards alias moves and deletes (``PolicyService``): raises PolicyViolationError to refuse one."""

    def enforce_in(self, tx: Transaction, model: str, version: int | None, alias: str) -> object: ...


class RegistryService:
    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        clock: Clock = utcnow,
        *,
        access: AccessControl | None = None,
        gate: AliasGate | None = None,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.clock = clock
        self.access = access
        self.gate = gate

    def _require(self, tx: Transaction, actor: str, permission: Permission, model: str) -> None:
        if self.access is not None:
            self.access.require_in(tx, actor, permission, model=model)

    # -- models ---------------------------------------------------------------

    def create_model(
        self,
        name: str,
        *,
        actor: str,
        description: str = "",
        owner: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> RegisteredModel:
        check_model_name(name)
        clean_tags = check_tags(tags)
        _check_description(description)
        with self.store.write() as tx:
            self._require(tx, actor, Permission.MODEL_WRITE, name)
            return self._create_model(tx, name, actor, description, owner or actor, clean_tags)

    def _create_model(
        self, tx: Transaction, name: str, actor: str, description: str, owner: str, tags: dict[str, str]
    ) -> RegisteredModel:
        at = self.clock()
        model = tx.models.create_model(name, description=description, owner=owner, tags=tags, at=at)
        tx.audit.append(
            AuditEvent(
                action="model.create",
                target_type="model",
                target=name,
                actor=actor,
                at=at,
                after={"description": description, "owner": owner, "tags": tags},
            )
        )
        return model

    def get_model(self, name: str) -> RegisteredModel:
        check_model_name(name)
        with self.store.read() as tx:
            return tx.models.get_model(name)

    def update_model(
        self,
        name: str,
        *,
        actor: str,
        description: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> RegisteredModel:
        check_model_name(name)
        clean_tags = check_tags(tags) if tags is not None else None
        if description is not None:
            _check_description(description)
        with self.store.write() as tx:
            self._require(tx, actor, Permission.MODEL_WRITE, name)
            before = tx.models.get_model(name)
            at = self.clock()
            after = tx.models.update_model(name, description=description, tags=clean_tags, at=at)
            tx.audit.append(
                AuditEvent(
                    action="model.update",
                    target_type="model",
                    target=name,
                    actor=actor,
                    at=at,
                    before={"description": before.description, "tags": before.tags},
                    after={"description": after.description, "tags": after.tags},
                )
            )
            return after

    def search_models(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        node, order, offset, limit = _query("models", filter, order_by, max_results, page_token)
        with self.store.read() as tx:
            items = tx.models.search_models(node, order, offset, limit + 1)
        return _page(items, offset, limit)

    # -- versions -------------------------------------------------------------

    def register_version(self, draft: VersionDraft, *, actor: str) -> ModelVersion:
        """Record a new immutable version whose artifact is already stored.

        Creates the model on first registration. The artifact tree must be
        complete in the artifact store, so no version refers to a missing blob.
        """
        draft = draft.checked()
        get_flavor(draft.flavor)
        check_tree(self.artifacts, draft.artifact_digest)
        if draft.lineage.parent is not None:  # pin an alias or 'latest' to the version it means now
            parent = self.get_version(draft.lineage.parent).ref
            draft = replace(draft, lineage=replace(draft.lineage, parent=parent))
        with self.store.write() as tx:
            self._require(tx, actor, Permission.REGISTER, draft.model)
            at = self.clock()
            try:
                number = tx.models.allocate_version(draft.model, at)
            except NotFoundError:  # first version: the model comes into being with it
                with contextlib.suppress(ConflictError):  # a concurrent first registration made it
                    self._create_model(tx, draft.model, actor, "", actor, {})
                number = tx.models.allocate_version(draft.model, at)
            version = tx.models.insert_version(draft, version=number, created_by=actor, at=at)
            tx.audit.append(
                AuditEvent(
                    action="version.register",
                    target_type="version",
                    target=version.ref,
                    actor=actor,
                    at=at,
                    after=version_summary(version),
                )
            )
            return version

    def get_version(self, ref: str | ModelRef) -> ModelVersion:
        """Resolve ``churn``, ``churn/3``, ``churn/latest`` or ``churn@champion``."""
        parsed = ModelRef.parse(ref) if isinstance(ref, str) else ref
        with self.store.read() as tx:
            return _resolve(tx, parsed)

    def search_versions(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        node, order, offset, limit = _query("versions", filter, order_by, max_results, page_token)
        with self.store.read() as tx:
            items = tx.models.search_versions(node, order, offset, limit + 1)
        return _page(items, offset, limit)

    def lineage(self, ref: str | ModelRef) -> LineageReport:
        """The version's lineage and its ancestors, nearest first."""
        version = self.get_version(ref)
        ancestors: list[str] = []
        parent = version.lineage.parent
        with self.store.read() as tx:
            while parent is not None and parent not in ancestors and len(ancestors) < 100:
                ancestors.append(parent)
                parent = _resolve(tx, ModelRef.parse(parent)).lineage.parent
        return LineageReport(version=version, lineage=version.lineage, ancestors=tuple(ancestors))

    # -- aliases --------------------------------------------------------------

    def set_alias(
        self, model: str, alias: str, version: int | str, *, actor: str, reason: str = ""
    ) -> AliasEvent:
        check_model_name(model)
        check_alias(alias)
        number = check_version_number(version)
        _check_reason(reason)
        with self.store.write() as tx:
            self._require(tx, actor, Permission.ALIAS, model)
            return self._move_alias(tx, model, alias, number, actor, reason)

    def delete_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent:
        check_model_name(model)
        check_alias(alias)
        _check_reason(reason)
        with self.store.write() as tx:
            self._require(tx, actor, Permission.ALIAS, model)
            return self._move_alias(tx, model, alias, None, actor, reason)

    def rollback_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent:
        """Point *alias* back to the version it pointed to before its last move."""
        check_model_name(model)
        check_alias(alias)
        _check_reason(reason)
        with self.store.write() as tx:
            self._require(tx, actor, Permission.ALIAS, model)
            history = tx.models.alias_history(model, alias)
            if not history:
                raise NotFoundError(f"Model '{model}' has no alias '{alias}' to roll back.")
            previous = history[-1].previous_version
            if previous is None:
                raise ConflictError(
                    f"Alias '{alias}' of model '{model}' pointed nowhere before its last move; "
                    f"delete it instead with `steward alias delete {model} {alias}`."
                )
            return self._move_alias(tx, model, alias, previous, actor, reason or "rollback")

    def _move_alias(
        self, tx: Transaction, model: str, alias: str, version: int | None, actor: str, reason: str
    ) -> AliasEvent:
        if self.gate is not None:  # a protected alias only takes a version that passes (or stays)
            self.gate.enforce_in(tx, model, version, alias)
        at = self.clock()
        event = tx.models.set_alias(model, alias, version, actor=actor, at=at, reason=reason)
        tx.audit.append(
            AuditEvent(
                action="alias.delete" if version is None else "alias.set",
                target_type="alias",
                target=f"{model}@{alias}",
                actor=actor,
                at=at,
                before={"version": event.previous_version},
                after={"version": event.version},
                reason=reason,
            )
        )
        return event

    def alias_history(self, model: str, alias: str | None = None) -> list[AliasEvent]:
        check_model_name(model)
        if alias is not None:
            check_alias(alias)
        with self.store.read() as tx:
            tx.models.get_model(model)
            return tx.models.alias_history(model, alias)

    def alias_at(self, model: str, alias: str, at: datetime) -> int | None:
        """The version *alias* pointed to at instant *at* (None if none)."""
        check_model_name(model)
        check_alias(alias)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        with self.store.read() as tx:
            tx.models.get_model(model)
            return tx.models.alias_at(model, alias, at)

    # -- audit ----------------------------------------------------------------

    def audit_events(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[AuditEvent]:
        limit = check_max_results(max_results)
        offset = decode_page_token(page_token)
        with self.store.read() as tx:
            items = tx.audit.list(
                target=target, action=action, since=since, until=until, offset=offset, limit=limit + 1
            )
        return _page(items, offset, limit)


def _resolve(tx: Transaction, ref: ModelRef) -> ModelVersion:
    if ref.alias is not None:
        number = tx.models.get_alias(ref.model, ref.alias)
        if number is None:
            tx.models.get_model(ref.model)  # NotFoundError for an unknown model first
            raise NotFoundError(f"Model '{ref.model}' has no alias '{ref.alias}'.")
        return tx.models.get_version(ref.model, number)
    if ref.version is not None:
        return tx.models.get_version(ref.model, ref.version)
    model = tx.models.get_model(ref.model)
    if model.latest_version < 1:
        raise NotFoundError(f"Model '{ref.model}' has no versions yet.")
    return tx.models.get_version(ref.model, model.latest_version)


def _query(
    target: Literal["models", "versions"],
    filter: str | None,
    order_by: list[str] | str | None,
    max_results: int,
    page_token: str | None,
) -> tuple[Node | None, tuple[OrderKey, ...], int, int]:
    """A search's parsed filter, order, offset and page size (InvalidInputError if any is bad)."""
    return (
        parse_filter(filter, target),
        parse_order_by(order_by, target),
        decode_page_token(page_token),
        check_max_results(max_results),
    )


def _page(items: list[Any], offset: int, limit: int) -> Page[Any]:
    more = len(items) > limit
    return Page(items=items[:limit], next_page_token=encode_page_token(offset + limit) if more else None)


def _check_description(text: str) -> None:
    if not isinstance(text, str) or len(text) > VALUE_MAX:
        raise InvalidInputError(f"A description is text of at most {VALUE_MAX} characters.")


def _check_reason(text: str) -> None:
    if not isinstance(text, str) or len(text) > 1000:
        raise InvalidInputError("A reason is text of at most 1000 characters.")
