"""Model cards: the human sections people write, their review status, and the rules on both.

The auto-filled part of a card (details, lineage, data, metrics, validation,
explanations, monitoring plan, approvals) is not stored: the service computes
it on read from the registry (:mod:`steward.core.card_export` renders both).
Status: draft -> pending_review -> approved -> archived. Any edit returns an
approved card to draft; the last editor cannot approve (separation of duties).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from steward.core.errors import ConflictError, InvalidInputError, PermissionDeniedError

SECTION_MAX = 10_000


class CardStatus(StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    ARCHIVED = "archived"


class CardAction(StrEnum):
    SUBMIT = "submit"  # draft -> pending_review
    APPROVE = "approve"  # pending_review -> approved
    REJECT = "reject"  # pending_review -> draft
    ARCHIVE = "archive"  # any but archived -> archived


_MOVES: dict[CardAction, tuple[frozenset[CardStatus], CardStatus]] = {
    CardAction.SUBMIT: (frozenset({CardStatus.DRAFT}), CardStatus.PENDING_REVIEW),
    CardAction.APPROVE: (frozenset({CardStatus.PENDING_REVIEW}), CardStatus.APPROVED),
    CardAction.REJECT: (frozenset({CardStatus.PENDING_REVIEW}), CardStatus.DRAFT),
    CardAction.ARCHIVE: (
        frozenset({CardStatus.DRAFT, CardStatus.PENDING_REVIEW, CardStatus.APPROVED}),
        CardStatus.ARCHIVED,
    ),
}

RISK_RATINGS = ("low", "medium", "high")


@dataclass(frozen=True)
class CardSections:
    """What people write on a card (everything else is filled from the registry)."""

    intended_use: str = ""
    out_of_scope_use: str = ""
    ethical_considerations: str = ""
    caveats: str = ""
    risk_rating: str = ""  # low, medium, high (empty: not rated yet)
    risk_explanation: str = ""
    business_owner: str = ""

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardSections:
        return cls(**{f.name: str(data.get(f.name, "")) for f in fields(cls)})


SECTION_NAMES = tuple(f.name for f in fields(CardSections))


@dataclass(frozen=True)
class ModelCard:
    """The stored part of a version's card."""

    model: str
    version: int
    status: CardStatus
    sections: CardSections
    edited_by: str
    edited_at: datetime
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None

    @property
    def ref(self) -> str:
        return f"{self.model}/{self.version}"


def check_edits(current: CardSections, changes: dict[str, Any]) -> CardSections:
    """The sections after *changes* (section name -> text); InvalidInputError on unknown names or bad text."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidInputError(f"Give at least one section to edit: {', '.join(SECTION_NAMES)}.")
    unknown = sorted(str(k) for k in changes if k not in SECTION_NAMES)
    if unknown:
        raise InvalidInputError(
            f"Unknown card section(s) {', '.join(unknown)}: use {', '.join(SECTION_NAMES)}."
        )
    for name, value in changes.items():
        if not isinstance(value, str) or len(value) > SECTION_MAX:
            raise InvalidInputError(f"Section {name!r} is text of at most {SECTION_MAX} characters.")
    rating = changes.get("risk_rating")
    if rating is not None and rating not in (*RISK_RATINGS, ""):
        raise InvalidInputError(f"Unknown risk rating {rating!r}: use {', '.join(RISK_RATINGS)}.")
    merged = current.to_dict() | {k: str(v) for k, v in changes.items()}
    return CardSections.from_dict(merged)


def check_action(action: str) -> CardAction:
    try:
        return CardAction(action)
    except ValueError:
        names = ", ".join(a.value for a in CardAction)
        raise InvalidInputError(f"Unknown card action {action!r}: use one of {names}.") from None


def next_status(card: ModelCard, action: CardAction, actor: str) -> CardStatus:
    """The status *action* by *actor* leads to; ConflictError if illegal; PermissionDenied: self-approval."""
    allowed_from, to = _MOVES[action]
    if card.status not in allowed_from:
        raise ConflictError(
            f"The card of {card.ref} is {card.status.value}; {action.value} needs it "
            f"{' or '.join(sorted(s.value for s in allowed_from))}."
        )
    if action is CardAction.APPROVE and actor == card.edited_by:
        raise PermissionDeniedError(
            f"{actor!r} last edited the card of {card.ref} and cannot also approve it "
            "(separation of duties); ask another reviewer."
        )
    if action is CardAction.SUBMIT and not card.sections.intended_use.strip():
        raise InvalidInputError(
            f"Fill in intended_use before submitting the card of {card.ref}: `steward card edit`."
        )
    return to


def card_to_dict(card: ModelCard) -> dict[str, Any]:
    return {
        "model": card.model,
        "version": card.version,
        "status": card.status.value,
        "sections": card.sections.to_dict(),
        "edited_by": card.edited_by,
        "edited_at": card.edited_at.isoformat(),
        "reviewed_by": card.reviewed_by,
        "reviewed_at": card.reviewed_at.isoformat() if card.reviewed_at else None,
    }


def card_from_dict(data: dict[str, Any]) -> ModelCard:
    reviewed = data.get("reviewed_at")
    return ModelCard(
        model=str(data["model"]),
        version=int(data["version"]),
        status=CardStatus(data["status"]),
        sections=CardSections.from_dict(data.get("sections") or {}),
        edited_by=str(data["edited_by"]),
        edited_at=datetime.fromisoformat(data["edited_at"]),
        reviewed_by=data.get("reviewed_by"),
        reviewed_at=datetime.fromisoformat(reviewed) if reviewed else None,
    )
