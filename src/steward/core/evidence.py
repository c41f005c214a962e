"""A version's compliance evidence pack: its sections, and the SR 11-7 / EU AI Act Annex IV headings.

The pack is rendered as one self-contained HTML page, or as a ZIP of JSON
parts (``card.json``, ``lineage.json``, ``validation.json``, ``findings.json``,
``approvals.json``, ``policies.json``, ``audit.json``, ``monitoring.json``)
with the HTML page and a ``mapping.json`` beside them.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from steward.core.audit import AuditEvent
from steward.core.card_export import CardFacts, card_document, html_page, html_sections
from steward.core.errors import InvalidInputError
from steward.core.policy import Policy, PolicyCheck

FORMATS = ("html", "zip")

#: section -> (what it holds, SR 11-7 headings, EU AI Act Annex IV points)
MAPPING: tuple[tuple[str, str, str, str], ...] = (
    (
        "card",
        "Model card: purpose, intended and out-of-scope use, limitations, risk rating, owners",
        "Model development, implementation and use (purpose, design, limitations); documentation",
        "Annex IV 1 (general description, intended purpose); 3 (capabilities, limitations, risks)",
    ),
    (
        "lineage",
        "Training and evaluation data, code commit, packages, parent version",
        "Model development: data quality and relevance, methodology",
        "Annex IV 2(a)-(d) (methods, design, data requirements and provenance)",
    ),
    (
        "validation",
        "Latest validation run: checks, thresholds, metrics",
        "Model validation: conceptual soundness, outcomes analysis, benchmarking",
        "Annex IV 2(g) (validation and testing procedures, metrics); 4 (appropriateness of metrics)",
    ),
    (
        "findings",
        "Findings raised on the version: severity, who raised them, open or closed and how resolved",
        "Model validation: effective challenge; issues found, their severity and remediation",
        "Annex IV 2(g) (validation and testing results); 5 (risk management: known risks and measures)",
    ),
    (
        "approvals",
        "Approval requests and reviewers' decisions, by identity",
        "Governance, policies and controls: roles and responsibilities, effective challenge",
        "Annex IV 2(e) (human oversight measures)",
    ),
    (
        "policies",
        "The policy versions guarding the version's aliases and their gate results",
        "Governance, policies and controls: policies and procedures",
        "Annex IV 5 (risk management system); 7 (standards and specifications applied)",
    ),
    (
        "audit",
        "Audit excerpt: every recorded change to the version and its aliases",
        "Governance: documentation, internal audit",
        "Annex IV 6 (changes made through the lifecycle)",
    ),
    (
        "monitoring",
        "Monitoring plan: the stored reference traffic is compared with",
        "Model validation: ongoing monitoring",
        "Annex IV 9 (post-market monitoring plan)",
    ),
)


@dataclass(frozen=True)
class PolicyEvidence:
    alias: str
    policies: tuple[Policy, ...]
    check: PolicyCheck


@dataclass(frozen=True)
class EvidencePack:
    facts: CardFacts
    policies: tuple[PolicyEvidence, ...]
    audit: tuple[AuditEvent, ...]
    generated_at: str


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown evidence format {fmt!r}: use html or zip.")
    return fmt


def parts(pack: EvidencePack) -> dict[str, Any]:
    """The pack's sections as JSON-ready data, keyed as :data:`MAPPING` names them."""
    doc = card_document(pack.facts)
    run = pack.facts.validation
    return {
        "card": doc,
        "lineage": doc["lineage"],
        "validation": run.to_dict() if run else None,
        "findings": doc["findings"],
        "approvals": [
            {
                "id": a.id,
                "target": a.target,
                "requested_by": a.requested_by,
                "requested_at": a.requested_at.isoformat(),
                "reason": a.reason,
                "status": a.status,
                "decisions": [
                    {
                        "reviewer": d.reviewer,
                        "decision": d.decision.value,
                        "comment": d.comment,
                        "at": d.at.isoformat(),
                    }
                    for d in a.decisions
                ],
            }
            for a in pack.facts.approvals
        ],
        "policies": [
            {
                "alias": p.alias,
                "policies": [
                    {"name": x.name, "version": x.version, "published_by": x.published_by} for x in p.policies
                ],
                "passed": p.check.passed,
                "gates": [{"gate": g.label, "passed": g.passed, "why": g.why} for g in p.check.gates],
            }
            for p in pack.policies
        ],
        "audit": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "reason": e.reason,
                "hash": e.hash,
            }
            for e in pack.audit
        ],
        "monitoring": doc["monitoring_plan"],
    }


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>" if rows else "<p>None recorded.</p>"


def render_html(pack: EvidencePack) -> str:
    data = parts(pack)
    ref = pack.facts.version.ref
    sections = [
        f"<p>Generated {html.escape(pack.generated_at)} from the Steward registry.</p>",
        "<h2>Mapping to SR 11-7 and the EU AI Act Annex IV</h2>",
        _table(("Section", "Holds", "SR 11-7", "EU AI Act Annex IV"), list(MAPPING)),
        '<h2 id="card">Model card</h2>',
        html_sections(pack.facts),
        '<h2 id="findings">Findings</h2>',
        _table(
            ("Finding", "Severity", "Status", "Raised by", "At", "Closed by", "Resolution"),
            [
                (
                    f"#{f['id']} {f['title']}",
                    f["severity"],
                    f["status"],
                    f["opened_by"],
                    f["opened_at"],
                    f["closed_by"],
                    f["resolution"],
                )
                for f in data["findings"]
            ],
        ),
        '<h2 id="approvals">Approvals</h2>',
        _table(
            ("Request", "Target", "Requested by", "Decision", "Reviewer", "At", "Comment"),
            [
                (
                    f"#{a['id']}",
                    a["target"],
                    a["requested_by"],
                    d["decision"],
                    d["reviewer"],
                    d["at"],
                    d["comment"],
                )
                for a in data["approvals"]
                for d in a["decisions"]
                or [{"decision": a["status"], "reviewer": "", "at": "", "comment": ""}]
            ],
        ),
        '<h2 id="policies">Policies</h2>',
        _table(
            ("Alias", "Policy versions", "Gate", "Passed", "Why"),
            [
                (
                    p["alias"],
                    ", ".join(f"{x['name']} v{x['version']}" for x in p["policies"]),
                    g["gate"],
                    g["passed"],
                    g["why"],
                )
                for p in data["policies"]
                for g in p["gates"]
            ],
        ),
        '<h2 id="audit">Audit excerpt</h2>',
        _table(
            ("Seq", "At", "Actor", "Action", "Target", "Reason"),
            [(e["seq"], e["at"], e["actor"], e["action"], e["target"], e["reason"]) for e in data["audit"]],
        ),
    ]
    return html_page(f"Evidence pack: {ref}", "\n".join(sections))


def render_zip(pack: EvidencePack) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in parts(pack).items():
            archive.writestr(f"{name}.json", json.dumps(value, indent=2, default=str))
        mapping = [
            {"section": s, "holds": h, "sr_11_7": sr, "eu_ai_act_annex_iv": eu} for s, h, sr, eu in MAPPING
        ]
        archive.writestr("mapping.json", json.dumps(mapping, indent=2))
        archive.writestr("evidence.html", render_html(pack))
    return buffer.getvalue()
