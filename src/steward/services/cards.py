"""Model cards: read a version's card (filled from the registry), edit its human sections, review it.

Every change writes its audit event in the same transaction. Editing needs
``model.write`` on the model, approving or rejecting needs ``approval.decide``
and is refused to the card's last editor (separation of duties); any edit
returns an approved card to draft.
"""

from __future__ import annotations

from typing import Any

from steward.core.audit import AuditEvent
from steward.core.card import (
    CardAction,
    CardSections,
    CardStatus,
    ModelCard,
    check_action,
    check_edits,
    next_status,
)
from steward.core.card_export import CardFacts, render
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.permissions import Permission
from steward.core.registry import ModelRef
from steward.ports import Store, Transaction
from steward.services.access import AccessControl
from steward.services.registry import Clock, utcnow

_ACTION_PERMISSION = {
    CardAction.SUBMIT: Permission.MODEL_WRITE,
    CardAction.ARCHIVE: Permission.MODEL_WRITE,
    CardAction.APPROVE: Permission.APPROVE,
    CardAction.REJECT: Permission.APPROVE,
}


def resolve_version(tx: Transaction, ref: str) -> tuple[str, int]:
    """(model, version) for ``churn/3``, ``churn@champion`` or ``churn`` (its latest version)."""
    parsed = ModelRef.parse(ref)
    if parsed.version is not None:
        return parsed.model, parsed.version
    if parsed.alias is not None:
        number = tx.models.get_alias(parsed.model, parsed.alias)
        if number is None:
            raise NotFoundError(f"Model {parsed.model!r} has no alias {parsed.alias!r}.")
        return parsed.model, number
    latest = tx.models.get_model(parsed.model).latest_version
    if latest < 1:
        raise NotFoundError(f"Model {parsed.model!r} has no versions yet; register one first.")
    return parsed.model, latest


def gather_facts(tx: Transaction, model: str, version: int) -> CardFacts:
    """The card and everything the registry knows about the version (the auto-filled part)."""
    found = tx.models.get_version(model, version)
    runs = tx.validation.list(model, version, limit=1)
    try:
        reference = tx.monitoring.get_reference(model, version)[0]
    except NotFoundError:
        reference = None
    return CardFacts(
        version=found,
        card=tx.cards.find(model, version),
        owner=tx.models.get_model(model).owner,
        validation=runs[0] if runs else None,
        explanations=tuple(sorted({e.kind for e in tx.explanations.list(model, version)})),
        reference=reference,
        approvals=tuple(tx.approvals.list(model=model, version=version)),
        findings=tuple(tx.findings.list(model=model, version=version)),
    )


class CardService:
    def __init__(self, store: Store, access: AccessControl, clock: Clock = utcnow) -> None:
        self.store = store
        self.access = access
        self.clock = clock

    def show(self, ref: str) -> CardFacts:
        """The version's card with its auto-filled facts (a draft with empty sections if none was written)."""
        with self.store.read() as tx:
            return gather_facts(tx, *resolve_version(tx, ref))

    def export(self, ref: str, fmt: str = "md") -> str:
        """The card as ``json`` (model-card-toolkit fields and more), ``md`` or ``html``."""
        return render(self.show(ref), fmt)

    def edit(self, ref: str, changes: dict[str, Any], *, actor: str) -> ModelCard:
        """Change human sections (name -> text); an approved or pending card goes back to draft."""
        with self.store.write() as tx:
            model, version = resolve_version(tx, ref)
            self.access.require_in(tx, actor, Permission.MODEL_WRITE, model=model)
            current = tx.cards.find(model, version, lock=True)
            if current is not None and current.status is CardStatus.ARCHIVED:
                raise InvalidInputError(
                    f"The card of {model}/{version} is archived; it cannot change any more."
                )
            before = current.sections if current else CardSections()
            sections = check_edits(before, changes)
            at = self.clock()
            card = tx.cards.save(
                ModelCard(model, version, CardStatus.DRAFT, sections, edited_by=actor, edited_at=at)
            )
            changed = {k: v for k, v in sections.to_dict().items() if before.to_dict()[k] != v}
            tx.audit.append(
                AuditEvent(
                    "card.edit",
                    "version",
                    card.ref,
                    actor,
                    at,
                    before={"status": current.status.value if current else None},
                    after={"status": card.status.value, "sections": sorted(changed)},
                )
            )
            return card

    def transition(self, ref: str, action: str, *, actor: str, comment: str = "") -> ModelCard:
        """submit, approve, reject or archive the version's card."""
        move = check_action(action)
        if not isinstance(comment, str) or len(comment) > 2000:
            raise InvalidInputError("A comment is text of at most 2000 characters.")
        with self.store.write() as tx:
            model, version = resolve_version(tx, ref)
            self.access.require_in(tx, actor, _ACTION_PERMISSION[move], model=model)
            current = tx.cards.find(model, version, lock=True)
            if current is None:
                raise NotFoundError(
                    f"{model}/{version} has no card yet; write one: `steward card edit {model}/{version}`."
                )
            status = next_status(current, move, actor)
            at = self.clock()
            reviewed = move in (CardAction.APPROVE, CardAction.REJECT)
            card = tx.cards.save(
                ModelCard(
                    model,
                    version,
                    status,
                    current.sections,
                    edited_by=current.edited_by,
                    edited_at=current.edited_at,
                    reviewed_by=actor if reviewed else current.reviewed_by,
                    reviewed_at=at if reviewed else current.reviewed_at,
                )
            )
            tx.audit.append(
                AuditEvent(
                    f"card.{move.value}",
                    "version",
                    card.ref,
                    actor,
                    at,
                    before={"status": current.status.value},
                    after={"status": status.value},
                    reason=comment,
                )
            )
            return card
