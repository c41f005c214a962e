"""Model cards' stored part: human sections and review status (the ``CardRepository`` port)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from steward.core.card import CardSections, CardStatus, ModelCard
from steward.core.errors import NotFoundError
from steward.store.engine import unique_or_conflict
from steward.store.rows import as_utc, check_text, lookup_name, model_key
from steward.store.schema import model_cards, model_versions, registered_models

mc, mv, rm = model_cards, model_versions, registered_models


class SqlCardRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _version_id(self, model: str, version: int) -> int:
        found = self._connection.execute(
            sa.select(mv.c.id)
            .join(rm, rm.c.id == mv.c.model_id)
            .where(rm.c.name == lookup_name(model), mv.c.version == version)
        ).scalar_one_or_none()
        if found is None:
            latest = model_key(self._connection, model).latest_version  # NotFoundError for the model
            raise NotFoundError(f"Model {model!r} has no version {version} (latest is {latest}).")
        return int(found)

    def find(self, model: str, version: int, *, lock: bool = False) -> ModelCard | None:
        version_id = self._version_id(model, version)  # NotFoundError for an unknown version
        query = sa.select(mc).where(mc.c.version_id == version_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        if row is None:
            return None
        return ModelCard(
            model=model,
            version=version,
            status=CardStatus(row.status),
            sections=CardSections.from_dict(row.sections),
            edited_by=row.edited_by,
            edited_at=row.edited_at,
            reviewed_by=row.reviewed_by,
            reviewed_at=row.reviewed_at,
        )

    def save(self, card: ModelCard) -> ModelCard:
        version_id = self._version_id(card.model, card.version)
        values = {
            "status": card.status.value,
            "sections": card.sections.to_dict(),
            "edited_by": check_text(card.edited_by, "Actor"),
            "edited_at": as_utc(card.edited_at),
            "reviewed_by": card.reviewed_by,
            "reviewed_at": as_utc(card.reviewed_at) if card.reviewed_at else None,
        }
        updated = self._connection.execute(
            sa.update(mc).where(mc.c.version_id == version_id).values(**values)
        ).rowcount
        if not updated:
            message = f"Someone else wrote the card of {card.ref} at the same moment; read it and try again."
            with unique_or_conflict(self._connection, message):
                self._connection.execute(sa.insert(mc).values(version_id=version_id, **values))
        found = self.find(card.model, card.version)
        if found is None:  # pragma: no cover - just written in this transaction
            raise NotFoundError(f"The card of {card.ref} vanished while being written.")
        return found

    def statuses(self) -> dict[tuple[str, int], tuple[CardStatus, datetime | None]]:
        """Every stored card's (status, reviewed_at), by (model, version)."""
        rows = self._connection.execute(
            sa.select(rm.c.name, mv.c.version, mc.c.status, mc.c.reviewed_at)
            .join(mv, mv.c.id == mc.c.version_id)
            .join(rm, rm.c.id == mv.c.model_id)
        )
        return {(r.name, int(r.version)): (CardStatus(r.status), r.reviewed_at) for r in rows}
