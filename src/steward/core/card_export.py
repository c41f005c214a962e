"""A model card rendered: JSON (a superset of model-card-toolkit's fields), Markdown and HTML.

:class:`CardFacts` is the auto-filled part, gathered from the registry on
read; the renderers are pure functions of it and the stored card.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from steward.core.approval import ApprovalRequest
from steward.core.card import CardSections, CardStatus, ModelCard
from steward.core.errors import InvalidInputError
from steward.core.finding import Finding
from steward.core.registry import ModelVersion
from steward.core.validation.results import ValidationRun
from steward.core.windows import ReferenceInfo

FORMATS = ("json", "md", "html")


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows: the stored card (None before anyone wrote one) and the registry's facts."""

    version: ModelVersion
    card: ModelCard | None = None
    owner: str = ""
    validation: ValidationRun | None = None
    explanations: tuple[str, ...] = ()  # kinds of stored explanations
    reference: ReferenceInfo | None = None
    approvals: tuple[ApprovalRequest, ...] = field(default_factory=tuple)
    findings: tuple[Finding, ...] = field(default_factory=tuple)  # open and closed, oldest first

    @property
    def status(self) -> CardStatus:
        return self.card.status if self.card else CardStatus.DRAFT

    @property
    def sections(self) -> CardSections:
        return self.card.sections if self.card else CardSections()


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInputError(f"Unknown card format {fmt!r}: use one of {', '.join(FORMATS)}.")
    return fmt


def card_document(facts: CardFacts) -> dict[str, Any]:
    """The card as JSON: model-card-toolkit's top-level fields plus Steward's own."""
    v, s = facts.version, facts.sections
    datasets = [d.to_dict() for d in v.lineage.datasets]
    run = facts.validation
    return {
        "schema_version": "steward-card/1 (superset of model-card-toolkit 0.0.2)",
        "model_details": {
            "name": v.model,
            "overview": v.description,
            "version": {"name": str(v.version), "date": v.created_at.isoformat()},
            "owners": [{"name": facts.owner, "contact": ""}] if facts.owner else [],
            "business_owner": s.business_owner,
            "registered_by": v.created_by,
            "aliases": list(v.aliases),
            "references": [],
        },
        "model_parameters": {
            "model_architecture": v.flavor,
            "data": {
                "train": [d for d in datasets if d.get("role") in ("train", "training")],
                "eval": [d for d in datasets if d.get("role") not in ("train", "training")],
            },
            "input_format": "signature" if v.signature is not None else "",
            "params": dict(v.params),
        },
        "quantitative_analysis": {
            "performance_metrics": [{"type": k, "value": val, "slice": ""} for k, val in v.metrics.items()]
            + (
                [{"type": k, "value": val, "slice": "validation"} for k, val in run.metrics.items()]
                if run
                else []
            ),
        },
        "considerations": {
            "users": [],
            "use_cases": [s.intended_use] if s.intended_use else [],
            "out_of_scope_uses": [s.out_of_scope_use] if s.out_of_scope_use else [],
            "limitations": [s.caveats] if s.caveats else [],
            "tradeoffs": [],
            "ethical_considerations": (
                [{"name": s.ethical_considerations, "mitigation_strategy": ""}]
                if s.ethical_considerations
                else []
            ),
        },
        "lineage": v.lineage.to_dict(),
        "validation": (
            {
                "run": run.id,
                "passed": run.passed,
                "at": run.created_at.isoformat(),
                "rows": run.rows,
                "against": run.against,
                "checks": {c.name: str(c.status) for c in run.checks},
            }
            if run
            else None
        ),
        "explanations": list(facts.explanations),
        "monitoring_plan": facts.reference.to_dict() if facts.reference else None,
        "approvals": [
            {
                "id": a.id,
                "target": a.target,
                "status": a.status,
                "requested_by": a.requested_by,
                "approvers": list(a.approvers),
            }
            for a in facts.approvals
        ],
        "findings": [
            {
                "id": f.id,
                "title": f.title,
                "severity": f.severity.value,
                "status": f.status.value,
                "opened_by": f.opened_by,
                "opened_at": f.opened_at.isoformat(),
                "closed_by": f.closed_by,
                "resolution": f.resolution,
            }
            for f in facts.findings
        ],
        "risk": {"rating": s.risk_rating, "explanation": s.risk_explanation},
        "card_status": facts.status.value,
        "card_edited_by": facts.card.edited_by if facts.card else None,
        "card_reviewed_by": facts.card.reviewed_by if facts.card else None,
    }


def _blocks(doc: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    d, c = doc["model_details"], doc["considerations"]
    run = doc["validation"]
    metrics = [
        (m["type"] + (f" ({m['slice']})" if m["slice"] else ""), f"{m['value']:.6g}")
        for m in doc["quantitative_analysis"]["performance_metrics"]
    ]
    lineage = doc["lineage"]
    plan = doc["monitoring_plan"]
    return [
        (
            "Model details",
            [
                ("Name", d["name"]),
                ("Version", d["version"]["name"]),
                ("Registered", d["version"]["date"]),
                ("Registered by", d["registered_by"]),
                ("Owner", ", ".join(o["name"] for o in d["owners"])),
                ("Business owner", d["business_owner"]),
                ("Flavor", doc["model_parameters"]["model_architecture"]),
                ("Description", d["overview"]),
                ("Card status", doc["card_status"]),
            ],
        ),
        (
            "Intended use",
            [
                ("Intended use", "; ".join(c["use_cases"])),
                ("Out-of-scope use", "; ".join(c["out_of_scope_uses"])),
            ],
        ),
        (
            "Lineage",
            [
                (
                    "Datasets",
                    ", ".join(f"{x.get('name', '')} ({x.get('role', '')})" for x in lineage["datasets"]),
                ),
                ("Code commit", str(lineage["code_commit"] or "")),
                ("Parent", str(lineage["parent"] or "")),
                ("Source", str(lineage["source"] or "")),
            ],
        ),
        ("Metrics", metrics),
        (
            "Validation",
            [("Latest run", "none yet")]
            if run is None
            else [
                ("Latest run", f"#{run['run']} at {run['at']}"),
                ("Result", "passed" if run["passed"] else "failed"),
                *[(name, status) for name, status in run["checks"].items()],
            ],
        ),
        ("Explanations", [("Stored", ", ".join(doc["explanations"]) or "none yet")]),
        (
            "Monitoring plan",
            [("Reference", "none yet")]
            if plan is None
            else [
                ("Reference rows", str(plan.get("rows", ""))),
                ("Features", ", ".join(plan.get("features", []))),
            ],
        ),
        (
            "Approvals",
            [
                (f"#{a['id']} {a['target']}", f"{a['status']} by {', '.join(a['approvers']) or '-'}")
                for a in doc["approvals"]
            ]
            or [("Approvals", "none yet")],
        ),
        ("Findings", [_finding_row(f) for f in doc["findings"]] or [("Findings", "none raised")]),
        (
            "Risk and considerations",
            [
                ("Risk rating", doc["risk"]["rating"]),
                ("Risk explanation", doc["risk"]["explanation"]),
                ("Ethical considerations", "; ".join(e["name"] for e in c["ethical_considerations"])),
                ("Caveats", "; ".join(c["limitations"])),
            ],
        ),
    ]


def _finding_row(f: dict[str, Any]) -> tuple[str, str]:
    head = f"#{f['id']} {f['title']}"
    if f["status"] == "open":
        return head, f"open, {f['severity']}, raised by {f['opened_by']}"
    return head, f"closed ({f['severity']}) by {f['closed_by']}: {f['resolution']}"


def render_markdown(facts: CardFacts) -> str:
    doc = card_document(facts)
    out = [f"# Model card: {facts.version.ref}", ""]
    for title, rows in _blocks(doc):
        out += [f"## {title}", "", "| Field | Value |", "| --- | --- |"]
        out += [f"| {_md(k)} | {_md(v)} |" for k, v in rows]
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_html(facts: CardFacts, *, title: str | None = None) -> str:
    return html_page(title or f"Model card: {facts.version.ref}", html_sections(facts))


def html_sections(facts: CardFacts) -> str:
    parts = []
    for heading, rows in _blocks(card_document(facts)):
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        parts.append(f"<h2>{html.escape(heading)}</h2><table>{body}</table>")
    return "\n".join(parts)


def html_page(title: str, body: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem;"
        "text-align:left;vertical-align:top}th{width:14rem;background:#f4f4f4}"
    )
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def render(facts: CardFacts, fmt: str) -> str:
    """The card in *fmt* (json, md or html)."""
    check_format(fmt)
    if fmt == "json":
        return json.dumps(card_document(facts), indent=2, sort_keys=False) + "\n"
    return render_markdown(facts) if fmt == "md" else render_html(facts)
