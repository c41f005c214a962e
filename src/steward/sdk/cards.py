"""The client's model-card and inventory methods, the same embedded and over HTTP (:class:`RemoteCards`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from steward.core.card import ModelCard, card_from_dict
from steward.core.card_export import card_document, check_format
from steward.core.inventory import InventoryRow

if TYPE_CHECKING:
    from steward.sdk.remote import RemoteRegistry
    from steward.services.cards import CardService
    from steward.services.evidence import EvidenceService
    from steward.services.inventory import InventoryService


class Cards(Protocol):
    def document(self, ref: str) -> dict[str, Any]: ...
    def export(self, ref: str, fmt: str = "md") -> str: ...
    def edit(self, ref: str, changes: dict[str, Any], *, actor: str) -> ModelCard: ...
    def transition(self, ref: str, action: str, *, actor: str, comment: str = "") -> ModelCard: ...
    def inventory(self, review_days: int, pending_days: int) -> list[InventoryRow]: ...
    def evidence(self, ref: str, fmt: str) -> bytes: ...


class EmbeddedCards:
    def __init__(self, service: CardService, inventory: InventoryService, evidence: EvidenceService) -> None:
        self.service = service
        self._inventory = inventory
        self._evidence = evidence

    def evidence(self, ref: str, fmt: str) -> bytes:
        return self._evidence.render(ref, fmt)

    def inventory(self, review_days: int, pending_days: int) -> list[InventoryRow]:
        return self._inventory.report(review_days=review_days, pending_days=pending_days)

    def document(self, ref: str) -> dict[str, Any]:
        return card_document(self.service.show(ref))

    def export(self, ref: str, fmt: str = "md") -> str:
        return self.service.export(ref, fmt)

    def edit(self, ref: str, changes: dict[str, Any], *, actor: str) -> ModelCard:
        return self.service.edit(ref, changes, actor=actor)

    def transition(self, ref: str, action: str, *, actor: str, comment: str = "") -> ModelCard:
        return self.service.transition(ref, action, actor=actor, comment=comment)


class RemoteCards:
    """The card service's methods as HTTP calls; the version is resolved first, as the server would."""

    def __init__(self, registry: RemoteRegistry) -> None:
        self.registry = registry
        self.http = registry.http

    def _path(self, ref: str, suffix: str = "") -> str:
        from steward.sdk.remote import API, _name

        version = self.registry.get_version(ref)
        return f"{API}/models/{_name(version.model)}/versions/{version.version}/card{suffix}"

    def document(self, ref: str) -> dict[str, Any]:
        return self.http.json("GET", self._path(ref))  # type: ignore[no-any-return]

    def inventory(self, review_days: int, pending_days: int) -> list[InventoryRow]:
        from steward.sdk.remote import API

        params = {"review_days": review_days, "pending_days": pending_days}
        items = self.http.json("GET", f"{API}/inventory", params=params)["items"]
        return [InventoryRow.from_dict(item) for item in items]

    def evidence(self, ref: str, fmt: str) -> bytes:
        from steward.core.evidence import check_format

        check_format(fmt)
        path = self._path(ref).removesuffix("/card") + "/evidence"
        return self.http.request("GET", path, params={"format": fmt}).content

    def export(self, ref: str, fmt: str = "md") -> str:
        check_format(fmt)
        return self.http.request("GET", self._path(ref, "/export"), params={"format": fmt}).text

    def edit(self, ref: str, changes: dict[str, Any], *, actor: str) -> ModelCard:
        return card_from_dict(self.http.json("PATCH", self._path(ref), json={"sections": changes}))

    def transition(self, ref: str, action: str, *, actor: str, comment: str = "") -> ModelCard:
        body = {"action": action, "comment": comment}
        return card_from_dict(self.http.json("POST", self._path(ref, "/transitions"), json=body))


class CardMethods:
    """Mixed into :class:`~steward.Client`: ``self._cards`` is embedded or remote, ``self.actor`` who acts."""

    _cards: Cards
    actor: str

    def card(self, ref: str) -> dict[str, Any]:
        """The version's card as JSON: model-card-toolkit's fields, lineage, validation, approvals, status."""
        return self._cards.document(ref)

    def export_card(self, ref: str, format: str = "md") -> str:
        """The card as ``md``, ``html`` or ``json`` text."""
        return self._cards.export(ref, format)

    def edit_card(self, ref: str, **sections: str) -> ModelCard:
        """Set human sections (``intended_use=...``, ``risk_rating="high"``); returns the card to draft."""
        return self._cards.edit(ref, sections, actor=self.actor)

    def submit_card(self, ref: str, *, comment: str = "") -> ModelCard:
        return self._cards.transition(ref, "submit", actor=self.actor, comment=comment)

    def approve_card(self, ref: str, *, comment: str = "") -> ModelCard:
        """Approve a submitted card (a reviewer who is not its last editor)."""
        return self._cards.transition(ref, "approve", actor=self.actor, comment=comment)

    def reject_card(self, ref: str, *, comment: str = "") -> ModelCard:
        return self._cards.transition(ref, "reject", actor=self.actor, comment=comment)

    def archive_card(self, ref: str, *, comment: str = "") -> ModelCard:
        return self._cards.transition(ref, "archive", actor=self.actor, comment=comment)

    def inventory(self, *, review_days: int = 365, pending_days: int = 14) -> list[InventoryRow]:
        """Every model: owner, risk tier, card status, what serves it, last validation, overdue reviews."""
        return self._cards.inventory(review_days, pending_days)

    def evidence(self, ref: str, *, format: str = "html") -> bytes:
        """The version's evidence pack: one HTML page (``html``) or a ZIP of its JSON parts (``zip``)."""
        return self._cards.evidence(ref, format)
