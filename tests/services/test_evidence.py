"""Evidence packs on real stores: every section present, mapped to SR 11-7 and Annex IV, with identities."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.evidence import MAPPING
from steward.services.approvals import ApprovalService
from steward.services.evidence import EvidenceService
from steward.services.findings import FindingService
from tests.services.test_cards import Cards, cards  # noqa: F401  (the fixture)


def test_the_pack_holds_every_section_with_identities_policy_and_audit(cards: Cards) -> None:  # noqa: F811
    cards.policies.publish("name: prod\naliases: [champion]\ngates:\n  model_card: {}\n", actor="root")
    cards.cards.edit("churn/1", {"intended_use": "Retention offers"}, actor="carl")
    cards.cards.transition("churn/1", "submit", actor="carl")
    cards.cards.transition("churn/1", "approve", actor="rita", comment="looks right")
    approvals = ApprovalService(cards.store, cards.policies.access)
    request = approvals.request("churn/1", "champion", actor="carl", reason="first model")
    approvals.decide(request.id, "approve", actor="rob", comment="ok")
    cards.registry.set_alias("churn", "champion", 1, actor="otto")
    findings = FindingService(cards.store, cards.policies.access)
    finding = findings.open("churn/1", title="Drift unmonitored", severity="high", actor="rita")
    findings.close(finding.id, resolution="Reference set", actor="rob")
    service = EvidenceService(cards.store, cards.policies)

    page = service.render("churn/1", "html").decode()
    for section, _, sr, annex in MAPPING:
        assert f'id="{section}"' in page or section in ("lineage", "validation", "monitoring")
        assert sr in page and annex in page
    assert "Retention offers" in page and "abc1234" in page  # card and lineage
    approvals_html = page.split('id="approvals"')[1].split('id="policies"')[0]
    assert "rob" in approvals_html and "carl" in approvals_html  # who asked, who decided
    assert "prod v1" in page and "prod:model_card" in page
    assert "card.approve" in page and "alias.set" in page  # the audit excerpt
    findings_html = page.split('id="findings"')[1].split('id="approvals"')[0]
    assert (
        "Drift unmonitored" in findings_html and "Reference set" in findings_html and "rob" in findings_html
    )

    archive = zipfile.ZipFile(io.BytesIO(service.render("churn@champion", "zip")))
    names = set(archive.namelist())
    assert {f"{s}.json" for s, *_ in MAPPING} | {"mapping.json", "evidence.html"} == names
    approvals_part = json.loads(archive.read("approvals.json"))
    assert approvals_part[0]["decisions"][0]["reviewer"] == "rob"
    assert json.loads(archive.read("validation.json"))["passed"] is False
    policies_part = json.loads(archive.read("policies.json"))
    assert policies_part == [
        {
            "alias": "champion",
            "policies": [{"name": "prod", "version": 1, "published_by": "root"}],
            "passed": True,
            "gates": [{"gate": "prod:model_card", "passed": True, "why": "model card is approved"}],
        }
    ]
    findings_part = json.loads(archive.read("findings.json"))
    assert [(f["title"], f["status"], f["closed_by"]) for f in findings_part] == [
        ("Drift unmonitored", "closed", "rob")
    ]
    audit = json.loads(archive.read("audit.json"))
    assert [e["seq"] for e in audit] == sorted(e["seq"] for e in audit) and audit


def test_bad_input_is_refused(cards: Cards) -> None:  # noqa: F811
    service = EvidenceService(cards.store, cards.policies)
    with pytest.raises(InvalidInputError, match="html or zip"):
        service.render("churn/1", "pdf")
    with pytest.raises(NotFoundError):
        service.render("churn/7", "html")
