"""The inventory on real stores: one row per model, what serves it, and which reviews are overdue."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from steward.core.deployment import DeploymentSpec, Route
from steward.core.errors import InvalidInputError
from steward.core.inventory import InventoryRow, render_inventory
from steward.services.access import AccessControl
from steward.services.approvals import ApprovalService
from steward.services.cards import CardService
from steward.services.inventory import InventoryService
from steward.store import SqlStore
from tests.store.builders import T0, create, draft, register


def test_rows_say_owner_tier_servers_card_and_overdue_reviews(store: SqlStore) -> None:
    access = AccessControl(store, enabled=False)
    with store.write() as tx:
        create(tx, "churn", owner="carl", tags={"risk_tier": "high"})
        register(tx, draft("churn", 1), by="carl")
        register(tx, draft("churn", 2), by="carl")
        tx.models.set_alias("churn", "champion", 1, actor="otto", at=T0, reason="")
        tx.deployments.create(
            "churn-api",
            DeploymentSpec(routes=(Route("churn@champion", 100.0),)),
            actor="otto",
            at=T0,
            reason="",
        )
        create(tx, "fraud", owner="fay")
        register(tx, draft("fraud", 3), by="fay")
    cards = CardService(store, access, clock=lambda: T0)
    cards.edit("fraud/1", {"intended_use": "Flag card fraud", "risk_rating": "medium"}, actor="fay")
    cards.transition("fraud/1", "submit", actor="fay")
    cards.transition("fraud/1", "approve", actor="rita")
    ApprovalService(store, access, clock=lambda: T0).request("churn/2", "champion", actor="carl")

    rows = InventoryService(store, clock=lambda: T0 + timedelta(days=30)).report()
    churn, fraud = rows
    assert (churn.model, churn.owner, churn.risk_tier, churn.latest_version) == ("churn", "carl", "high", 2)
    assert churn.aliases == ("champion=1",) and churn.deployments == ("churn-api",)
    assert churn.card_status == "none" and churn.last_validated_at is None
    assert churn.overdue_reviews == (
        "served without an approved model card (none)",
        "approval #1 pending since 2026-01-01",
    )
    assert (fraud.risk_tier, fraud.card_status, fraud.overdue_reviews) == ("medium", "approved", ())
    later = InventoryService(store, clock=lambda: T0 + timedelta(days=400)).report(review_days=365)
    assert later[1].overdue_reviews == ("card last reviewed 2026-01-01 (over 365 days)",)

    table = list(csv.DictReader(io.StringIO(render_inventory(rows, "csv"))))
    assert [r["model"] for r in table] == ["churn", "fraud"] and table[0]["deployments"] == "churn-api"
    assert json.loads(render_inventory(rows, "json"))["items"][1]["card_status"] == "approved"


def test_bad_input_is_refused(store: SqlStore) -> None:
    with pytest.raises(InvalidInputError, match="review_days"):
        InventoryService(store).report(review_days=0)
    with pytest.raises(InvalidInputError, match="csv or json"):
        render_inventory([], "xlsx")


def test_rows_count_open_findings_and_their_worst_severity(store: SqlStore) -> None:
    from steward.services.findings import FindingService

    access = AccessControl(store, enabled=False)
    with store.write() as tx:
        create(tx, "churn", owner="carl")
        register(tx, draft("churn", 1), by="carl")
        register(tx, draft("churn", 2), by="carl")
        create(tx, "fraud", owner="fay")
        register(tx, draft("fraud", 1), by="fay")
    findings = FindingService(store, access)
    findings.open("churn/1", title="old gap", severity="critical", actor="rita")
    findings.open("churn/2", title="new gap", severity="medium", actor="rita")
    closed = findings.open("fraud/1", title="fixed", severity="high", actor="rita")
    findings.close(closed.id, resolution="done", actor="rita")

    churn, fraud = InventoryService(store).report()
    assert (churn.open_findings, churn.worst_open_finding) == (2, "critical")  # across versions
    assert (fraud.open_findings, fraud.worst_open_finding) == (0, "")  # closed ones do not count
    table = list(csv.DictReader(io.StringIO(render_inventory([churn, fraud], "csv"))))
    assert [(r["open_findings"], r["worst_open_finding"]) for r in table] == [("2", "critical"), ("0", "")]
    item = json.loads(render_inventory([churn], "json"))["items"][0]
    assert InventoryRow.from_dict(item) == churn
