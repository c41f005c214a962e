"""The model inventory: each model's owner, risk tier, card, what serves it, validation, overdue reviews."""

from __future__ import annotations

from collections.abc import Sequence

from steward.core.finding import Finding, FindingStatus
from steward.core.inventory import InventoryRow, check_days, overdue_reviews
from steward.core.registry import ModelRef, RegisteredModel
from steward.ports import Store, Transaction
from steward.services.registry import Clock, utcnow

PAGE = 1000


class InventoryService:
    def __init__(self, store: Store, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    def report(self, *, review_days: int = 365, pending_days: int = 14) -> list[InventoryRow]:
        """One row per model, by name. A card approved over *review_days* ago, or an approval
        request pending over *pending_days*, counts as an overdue review."""
        check_days(review_days, "review_days")
        check_days(pending_days, "pending_days")
        with self.store.read() as tx:
            models, offset = [], 0
            while True:
                page = tx.models.search_models(None, (), offset, PAGE)
                models.extend(page)
                if len(page) < PAGE:
                    break
                offset += PAGE
            return self._rows(tx, models, review_days, pending_days)

    def rows_for(
        self, models: Sequence[RegisteredModel], *, review_days: int = 365, pending_days: int = 14
    ) -> list[InventoryRow]:
        """The inventory rows of *models* only (the console's catalog reads one page at a time)."""
        with self.store.read() as tx:
            return self._rows(tx, models, review_days, pending_days)

    def _rows(
        self, tx: Transaction, models: Sequence[RegisteredModel], review_days: int, pending_days: int
    ) -> list[InventoryRow]:
        now = self.clock()
        serving: dict[str, set[str]] = {}
        for deployment in tx.deployments.list():
            refs = [r.ref for r in deployment.spec.routes] + list(deployment.spec.shadows)
            for ref in refs:
                serving.setdefault(ModelRef.parse(ref).model, set()).add(deployment.name)
        cards = tx.cards.statuses()
        open_findings: dict[str, list[Finding]] = {}
        for finding in tx.findings.list(status=FindingStatus.OPEN):
            open_findings.setdefault(finding.model, []).append(finding)
        rows = []
        for model in sorted(models, key=lambda m: m.name):
            latest = model.latest_version
            card = cards.get((model.name, latest)) if latest else None
            card_status = card[0].value if card else "none"
            runs = tx.validation.list(model.name, latest, limit=1) if latest else []
            found = tx.cards.find(model.name, latest) if card else None
            tier = model.tags.get("risk_tier") or (found.sections.risk_rating if found else "")
            pending = [
                (a.id, a.requested_at) for a in tx.approvals.list(model=model.name) if a.status == "pending"
            ]
            deployments = tuple(sorted(serving.get(model.name, ())))
            found_open = open_findings.get(model.name, [])
            rows.append(
                InventoryRow(
                    model=model.name,
                    owner=model.owner,
                    risk_tier=tier,
                    latest_version=latest,
                    card_status=card_status,
                    card_reviewed_at=card[1] if card else None,
                    aliases=tuple(f"{k}={v}" for k, v in sorted(model.aliases.items())),
                    deployments=deployments,
                    last_validated_at=runs[0].created_at if runs else None,
                    last_validation_passed=runs[0].passed if runs else None,
                    open_findings=len(found_open),
                    worst_open_finding=str(
                        max((f.severity for f in found_open), key=lambda s: s.rank, default="")
                    ),
                    overdue_reviews=overdue_reviews(
                        served=bool(deployments or model.aliases),
                        card_status=card_status,
                        card_reviewed_at=card[1] if card else None,
                        pending_approvals=pending,
                        now=now,
                        review_days=review_days,
                        pending_days=pending_days,
                    ),
                )
            )
        return rows
