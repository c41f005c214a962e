"""The model inventory: one row per registered model, for risk committees and auditors (CSV or JSON).

A row says who owns the model, its risk tier, its latest version's card
status, what serves it (aliases and deployments), when it was last validated,
and which reviews are overdue. The rules for "overdue" live here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from steward.core.errors import InvalidInputError

FORMATS = ("csv", "json")
COLUMNS = (
    "model",
    "owner",
    "risk_tier",
    "latest_version",
    "card_status",
    "card_reviewed_at",
    "aliases",
    "deployments",
    "last_validated_at",
    "last_validation_passed",
    "open_findings",
    "worst_open_finding",
    "overdue_reviews",
)


@dataclass(frozen=True)
class InventoryRow:
    model: str
    owner: str
    risk_tier: str  # the model's risk_tier tag, else the latest card's risk rating, else ""
    latest_version: int
    card_status: str  # draft, pending_review, approved, archived; "none" without a card
    card_reviewed_at: datetime | None
    aliases: tuple[str, ...]  # "champion=3"
    deployments: tuple[str, ...]  # deployment names routing or shadowing to the model
    last_validated_at: datetime | None
    last_validation_passed: bool | None
    overdue_reviews: tuple[str, ...]
    open_findings: int = 0  # open findings on any of the model's versions
    worst_open_finding: str = ""  # the highest severity among them, "" when none is open

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("card_reviewed_at", "last_validated_at"):
            data[key] = data[key].isoformat() if data[key] else None
        for key in ("aliases", "deployments", "overdue_reviews"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InventoryRow:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            model=str(data["model"]),
            owner=str(data["owner"]),
            risk_tier=str(data["risk_tier"]),
            latest_version=int(data["latest_version"]),
            card_status=str(data["card_status"]),
            card_reviewed_at=when(data.get("card_reviewed_at")),
            aliases=tuple(data.get("aliases") or ()),
            deployments=tuple(data.get("deployments") or ()),
            last_validated_at=when(data.get("last_validated_at")),
            last_validation_passed=data.get("last_validation_passed"),
            overdue_reviews=tuple(data.get("overdue_reviews") or ()),
            open_findings=int(data.get("open_findings") or 0),
            worst_open_finding=str(data.get("worst_open_finding") or ""),
        )


def overdue_reviews(
    *,
    served: bool,
    card_status: str,
    card_reviewed_at: datetime | None,
    pending_approvals: list[tuple[int, datetime]],
    now: datetime,
    review_days: int,
    pending_days: int,
) -> tuple[str, ...]:
    """What needs a reviewer: a served model without an approved card, a stale card, old approval requests."""
    found = []
    if served and card_status != "approved":
        found.append(f"served without an approved model card ({card_status})")
    if (
        card_status == "approved"
        and card_reviewed_at
        and now - card_reviewed_at > timedelta(days=review_days)
    ):
        found.append(f"card last reviewed {card_reviewed_at.date().isoformat()} (over {review_days} days)")
    for request_id, since in pending_approvals:
        if now - since > timedelta(days=pending_days):
            found.append(f"approval #{request_id} pending since {since.date().isoformat()}")
    return tuple(found)


def check_days(days: int, what: str) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
        raise InvalidInputError(f"{what} is a whole number of days from 1 to 3650, got {days!r}.")
    return days


def render_inventory(rows: list[InventoryRow], fmt: str) -> str:
    """The rows as ``csv`` (lists joined with ``; ``) or ``json`` (``{"items": [...]}``)."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown inventory format {fmt!r}: use csv or json.")
    if fmt == "json":
        return json.dumps({"items": [r.to_dict() for r in rows]}, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        data = row.to_dict()
        writer.writerow(
            [
                "; ".join(v) if isinstance(v, list) else ("" if v is None else v)
                for v in (data[c] for c in COLUMNS)
            ]
        )
    return out.getvalue()
