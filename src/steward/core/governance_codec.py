"""Governance values to JSON-ready dicts and back (identities, approvals, policies, audit answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from steward.core.approval import ApprovalDecision, ApprovalRequest, Decision
from steward.core.audit import GENESIS_HASH, ChainReport
from steward.core.codec import (
    alias_event_from_dict,
    alias_event_to_dict,
    deployment_from_dict,
    deployment_to_dict,
)
from steward.core.history import AliasAt, DeploymentAt, RouteAt
from steward.core.identity import Grant, Principal, TokenInfo
from steward.core.permissions import Role
from steward.core.policy import GateResult, Policy, PolicyCheck, document_from_dict
from steward.core.search import parse_time


def time_text(value: datetime) -> str:
    return value.isoformat()


def _opt_time(value: datetime | None) -> str | None:
    return None if value is None else time_text(value)


def principal_to_dict(principal: Principal) -> dict[str, Any]:
    return {
        "name": principal.name,
        "kind": principal.kind,
        "created_by": principal.created_by,
        "created_at": time_text(principal.created_at),
        "grants": [{"role": g.role.value, "model": g.model} for g in principal.grants],
    }


def principal_from_dict(data: dict[str, Any]) -> Principal:
    name = data["name"]
    return Principal(
        name=name,
        kind=data["kind"],
        created_by=data["created_by"],
        created_at=parse_time(data["created_at"]),
        grants=tuple(Grant(name, Role(g["role"]), g.get("model")) for g in data.get("grants", ())),
    )


def token_to_dict(info: TokenInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "principal": info.principal,
        "name": info.name,
        "created_by": info.created_by,
        "created_at": time_text(info.created_at),
        "expires_at": _opt_time(info.expires_at),
        "revoked_at": _opt_time(info.revoked_at),
    }


def token_from_dict(data: dict[str, Any]) -> TokenInfo:
    return TokenInfo(
        id=int(data["id"]),
        principal=data["principal"],
        name=data["name"],
        created_by=data["created_by"],
        created_at=parse_time(data["created_at"]),
        expires_at=parse_time(data["expires_at"]) if data.get("expires_at") else None,
        revoked_at=parse_time(data["revoked_at"]) if data.get("revoked_at") else None,
    )


def approval_to_dict(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "model": request.model,
        "version": request.version,
        "target": request.target,
        "requested_by": request.requested_by,
        "requested_at": time_text(request.requested_at),
        "reason": request.reason,
        "status": request.status,
        "decisions": [
            {
                "reviewer": d.reviewer,
                "decision": d.decision.value,
                "comment": d.comment,
                "at": time_text(d.at),
            }
            for d in request.decisions
        ],
    }


def _decision(d: ApprovalDecision) -> dict[str, Any]:
    return {"reviewer": d.reviewer, "decision": d.decision.value, "comment": d.comment, "at": time_text(d.at)}


def approval_from_dict(data: dict[str, Any]) -> ApprovalRequest:
    return ApprovalRequest(
        id=int(data["id"]),
        model=data["model"],
        version=int(data["version"]),
        target=data["target"],
        requested_by=data["requested_by"],
        requested_at=parse_time(data["requested_at"]),
        reason=data.get("reason", ""),
        decisions=tuple(
            ApprovalDecision(
                d["reviewer"], Decision(d["decision"]), d.get("comment", ""), parse_time(d["at"])
            )
            for d in data.get("decisions", ())
        ),
    )


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    return {
        **policy.document.to_dict(),
        "version": policy.version,
        "source": policy.source,
        "published_by": policy.published_by,
        "published_at": time_text(policy.published_at),
    }


def policy_from_dict(data: dict[str, Any]) -> Policy:
    keys = ("name", "description", "aliases", "models", "gates")
    return Policy(
        document=document_from_dict({k: data[k] for k in keys if k in data}),
        version=int(data["version"]),
        source=data["source"],
        published_by=data["published_by"],
        published_at=parse_time(data["published_at"]),
    )


def check_to_dict(check: PolicyCheck) -> dict[str, Any]:
    return {
        "model": check.model,
        "version": check.version,
        "alias": check.alias,
        "passed": check.passed,
        "gates": [
            {"policy": g.policy, "gate": g.gate, "passed": g.passed, "why": g.why} for g in check.gates
        ],
    }


def check_from_dict(data: dict[str, Any]) -> PolicyCheck:
    gates = tuple(GateResult(g["gate"], g["policy"], bool(g["passed"]), g["why"]) for g in data["gates"])
    return PolicyCheck(data["model"], int(data["version"]), data["alias"], gates)


def chain_report_to_dict(report: ChainReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
        "message": report.message,
        "last_seq": report.last_seq,
        "last_hash": report.last_hash,
        "from_seq": report.from_seq,
    }


def chain_report_from_dict(data: dict[str, Any]) -> ChainReport:
    return ChainReport(
        bool(data["ok"]),
        int(data["checked"]),
        data.get("first_bad_seq"),
        data.get("problem", ""),
        last_seq=int(data.get("last_seq", 0)),
        last_hash=data.get("last_hash") or GENESIS_HASH,
        from_seq=data.get("from_seq"),
    )


def alias_at_to_dict(found: AliasAt) -> dict[str, Any]:
    return {
        "model": found.model,
        "alias": found.alias,
        "at": time_text(found.at),
        "version": found.version,
        "event": alias_event_to_dict(found.event) if found.event is not None else None,
    }


def alias_at_from_dict(data: dict[str, Any]) -> AliasAt:
    event = data.get("event")
    return AliasAt(
        data["model"],
        data["alias"],
        parse_time(data["at"]),
        data.get("version"),
        alias_event_from_dict(event) if event else None,
    )


def deployment_at_to_dict(found: DeploymentAt) -> dict[str, Any]:
    def routes(items: tuple[RouteAt, ...]) -> list[dict[str, Any]]:
        return [{"ref": r.ref, "weight": r.weight, "version": r.version} for r in items]

    return {
        "name": found.name,
        "at": time_text(found.at),
        "revision": deployment_to_dict(found.revision) if found.revision is not None else None,
        "routes": routes(found.routes),
        "shadows": routes(found.shadows),
    }


def deployment_at_from_dict(data: dict[str, Any]) -> DeploymentAt:
    def routes(items: list[dict[str, Any]]) -> tuple[RouteAt, ...]:
        return tuple(RouteAt(r["ref"], float(r["weight"]), r.get("version")) for r in items)

    revision = data.get("revision")
    return DeploymentAt(
        data["name"],
        parse_time(data["at"]),
        deployment_from_dict(revision) if revision else None,
        routes(data.get("routes", [])),
        routes(data.get("shadows", [])),
    )
