"""Model cards on real stores: the status workflow, separation of duties, refusals that write nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from steward.artifacts import open_artifact_store
from steward.core.card import CardStatus
from steward.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    PolicyViolationError,
)
from steward.core.lineage import DatasetRef, Lineage
from steward.core.policy import parse_policy
from steward.core.validation.results import CheckResult, ValidationRun
from steward.services.access import AccessControl
from steward.services.cards import CardService
from steward.services.identity import IdentityService
from steward.services.policies import PolicyService
from steward.services.registry import RegistryService
from steward.store import SqlStore
from tests.store.builders import T0, create, draft, register


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Cards:
    store: SqlStore
    cards: CardService
    policies: PolicyService
    registry: RegistryService

    def audit_actions(self) -> list[str]:
        with self.store.read() as tx:
            return [e.action for e in tx.audit.list(limit=10_000) if e.action.startswith("card.")]


@pytest.fixture
def cards(store: SqlStore, tmp_path: object) -> Cards:
    """Auth on; admin 'root', reviewers 'rita' and 'rob', contributor 'carl' registered churn/1 (auc 0.91)."""
    clock = Clock()
    access = AccessControl(store, enabled=True)
    identities = IdentityService(store, access, clock)
    identities.create_user("root", actor="bootstrap", role="admin")
    for name, role in (("rita", "reviewer"), ("rob", "reviewer"), ("carl", "contributor")):
        identities.create_user(name, actor="root", role=role)
    identities.create_user("otto", actor="root", role="operator")
    policies = PolicyService(store, access, clock=clock)
    registry = RegistryService(store, open_artifact_store(str(tmp_path)), clock, access=access, gate=policies)
    lineage = Lineage(
        datasets=(DatasetRef("customers-2026", "training", "f" * 64, 1200),), code_commit="abc1234"
    )
    with store.write() as tx:
        create(tx, "churn", owner="carl")
        register(tx, draft("churn", 1, metrics={"auc": 0.91}, lineage=lineage), by="carl")
        tx.validation.add(
            ValidationRun(
                id=0,
                model="churn",
                version=1,
                created_at=T0,
                created_by="carl",
                data_fingerprint="e" * 64,
                rows=300,
                target="y",
                task="classification",
                against=None,
                passed=False,
                checks=(CheckResult("auc_floor", "performance", "fail", "auc 0.61 < 0.7", 0.61),),
                metrics={"auc": 0.61},
                suite={},
            )
        )
    return Cards(store, CardService(store, access, clock), policies, registry)


def test_a_card_goes_draft_pending_approved_and_an_edit_returns_it_to_draft(cards: Cards) -> None:
    card = cards.cards.edit("churn/1", {"intended_use": "Rank customers by churn risk."}, actor="carl")
    assert card.status is CardStatus.DRAFT and card.edited_by == "carl"
    assert cards.cards.transition("churn/1", "submit", actor="carl").status is CardStatus.PENDING_REVIEW
    approved = cards.cards.transition("churn/1", "approve", actor="rita", comment="ok")
    assert approved.status is CardStatus.APPROVED and approved.reviewed_by == "rita"
    again = cards.cards.edit("churn/1", {"caveats": "Trained on 2026 data only."}, actor="carl")
    assert again.status is CardStatus.DRAFT
    assert again.sections.intended_use == "Rank customers by churn risk."  # earlier sections kept
    assert cards.audit_actions() == ["card.edit", "card.submit", "card.approve", "card.edit"]


def test_the_last_editor_cannot_approve_and_nothing_is_written(cards: Cards) -> None:
    cards.cards.edit("churn/1", {"intended_use": "Retention offers."}, actor="root")  # an admin may both
    cards.cards.transition("churn/1", "submit", actor="carl")
    before = cards.audit_actions()
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        cards.cards.transition("churn/1", "approve", actor="root")
    assert cards.cards.show("churn/1").status is CardStatus.PENDING_REVIEW
    assert cards.audit_actions() == before
    assert cards.cards.transition("churn/1", "approve", actor="rob").status is CardStatus.APPROVED


def test_roles_are_checked_and_refusals_write_nothing(cards: Cards) -> None:
    with pytest.raises(PermissionDeniedError):
        cards.cards.edit("churn/1", {"intended_use": "x"}, actor="rita")  # reviewers do not edit
    cards.cards.edit("churn/1", {"intended_use": "x"}, actor="carl")
    cards.cards.transition("churn/1", "submit", actor="carl")
    with pytest.raises(PermissionDeniedError):
        cards.cards.transition("churn/1", "approve", actor="carl")  # contributors do not approve
    assert cards.cards.show("churn/1").status is CardStatus.PENDING_REVIEW
    assert cards.audit_actions() == ["card.edit", "card.submit"]


def test_illegal_moves_and_bad_input_are_refused(cards: Cards) -> None:
    with pytest.raises(NotFoundError, match="no card yet"):
        cards.cards.transition("churn/1", "submit", actor="carl")
    with pytest.raises(InvalidInputError, match="intended_use"):
        cards.cards.edit("churn/1", {"purpose": "x"}, actor="carl")
    with pytest.raises(InvalidInputError, match="risk rating"):
        cards.cards.edit("churn/1", {"risk_rating": "extreme"}, actor="carl")
    cards.cards.edit("churn/1", {"caveats": "none"}, actor="carl")
    with pytest.raises(InvalidInputError, match="intended_use"):
        cards.cards.transition("churn/1", "submit", actor="carl")  # nothing to say what it is for
    with pytest.raises(ConflictError, match="pending_review"):
        cards.cards.transition("churn/1", "approve", actor="rita")
    with pytest.raises(InvalidInputError, match="submit"):
        cards.cards.transition("churn/1", "publish", actor="carl")
    with pytest.raises(NotFoundError, match="latest is 1"):
        cards.cards.show("churn/9")
    cards.cards.transition("churn/1", "archive", actor="carl")
    with pytest.raises(InvalidInputError, match="archived"):
        cards.cards.edit("churn/1", {"caveats": "more"}, actor="carl")
    assert cards.audit_actions() == ["card.edit", "card.archive"]


def test_exports_carry_the_registry_facts(cards: Cards) -> None:
    cards.cards.edit("churn/1", {"intended_use": "Retention <offers>", "risk_rating": "high"}, actor="carl")
    doc = json.loads(cards.cards.export("churn/1", "json"))
    for key in ("model_details", "model_parameters", "quantitative_analysis", "considerations"):
        assert key in doc  # model-card-toolkit's top-level fields
    assert {"type": "auc", "value": 0.91, "slice": ""} in doc["quantitative_analysis"]["performance_metrics"]
    assert doc["lineage"]["code_commit"] == "abc1234"
    assert doc["model_parameters"]["data"]["train"][0]["name"] == "customers-2026"
    assert doc["validation"]["passed"] is False and doc["validation"]["checks"] == {"auc_floor": "fail"}
    assert doc["considerations"]["use_cases"] == ["Retention <offers>"]
    assert doc["model_details"]["owners"] == [{"name": "carl", "contact": ""}]
    markdown = cards.cards.export("churn/1", "md")
    assert "| auc | 0.91 |" in markdown and "abc1234" in markdown and "| Result | failed |" in markdown
    page = cards.cards.export("churn/1", "html")
    assert "Retention &lt;offers&gt;" in page and "<script" not in page
    with pytest.raises(InvalidInputError, match="json, md, html"):
        cards.cards.export("churn/1", "pdf")


def test_a_version_without_a_card_shows_an_empty_draft_and_refs_resolve(cards: Cards) -> None:
    facts = cards.cards.show("churn")  # the latest version
    assert facts.card is None and facts.status is CardStatus.DRAFT and facts.version.version == 1
    with pytest.raises(NotFoundError):
        cards.cards.show("churn@champion")


def test_the_model_card_gate_holds_an_alias_until_the_card_is_approved(cards: Cards) -> None:
    cards.policies.publish("name: prod\naliases: [champion]\ngates:\n  model_card: {}\n", actor="root")
    check = cards.policies.check("churn/1", "champion")
    assert not check.passed and "no model card" in check.unmet[0]
    cards.cards.edit("churn/1", {"intended_use": "Retention"}, actor="carl")
    cards.cards.transition("churn/1", "submit", actor="carl")
    with pytest.raises(PolicyViolationError) as refused:
        cards.registry.set_alias("churn", "champion", 1, actor="otto")
    assert refused.value.unmet == [
        "prod:model_card: model card is pending_review; review it with "
        "`steward card submit churn/1` and `steward card approve`"
    ]
    cards.cards.transition("churn/1", "approve", actor="rita")
    assert cards.policies.check("churn/1", "champion").passed
    assert cards.registry.set_alias("churn", "champion", 1, actor="otto").version == 1
    cards.cards.edit("churn/1", {"caveats": "changed"}, actor="carl")  # back to draft: the gate closes
    assert not cards.policies.check("churn/1", "champion").passed


@pytest.mark.parametrize("gate", ["{status: draft}", "[approved]", "{who: rita}"])
def test_a_malformed_model_card_gate_is_refused(gate: str) -> None:
    with pytest.raises(InvalidInputError, match="model_card gate"):
        parse_policy(f"name: p\naliases: [champion]\ngates:\n  model_card: {gate}\n")
    assert parse_policy("name: p\naliases: [x]\ngates: {model_card: }").to_dict()["gates"] == {
        "model_card": {"status": "approved"}
    }


def test_the_card_lists_findings_open_and_closed(cards: Cards) -> None:
    from steward.services.findings import FindingService

    assert "| Findings | none raised |" in cards.cards.export("churn/1", "md")
    findings = FindingService(cards.store, cards.policies.access)
    gap = findings.open("churn/1", title="No fairness check", severity="medium", actor="rita")
    leak = findings.open("churn/1", title="Label leak | suspected", severity="critical", actor="rob")
    findings.close(leak.id, resolution="Feature removed", actor="rita")
    doc = json.loads(cards.cards.export("churn/1", "json"))
    assert [(f["id"], f["status"], f["severity"]) for f in doc["findings"]] == [
        (gap.id, "open", "medium"),
        (leak.id, "closed", "critical"),
    ]
    assert doc["findings"][1]["resolution"] == "Feature removed" and doc["findings"][1]["closed_by"] == "rita"
    markdown = cards.cards.export("churn/1", "md")
    section = markdown.split("## Findings")[1].split("## ")[0]
    assert f"#{gap.id} No fairness check | open, medium, raised by rita" in section
    assert "Label leak \\| suspected" in section and "Feature removed" in section
