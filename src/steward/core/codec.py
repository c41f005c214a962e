"""Domain objects to JSON-ready dicts and back: one wire format for REST and SDK."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from steward.core.audit import AuditEvent
from steward.core.deployment import (
    Deployment,
    DeploymentSpec,
    KilledVersion,
    ResolvedDeployment,
    ResolvedRoute,
)
from steward.core.errors import InvalidInputError
from steward.core.lineage import Lineage
from steward.core.registry import AliasEvent, ModelVersion, RegisteredModel, VersionDraft
from steward.core.search import parse_time
from steward.core.signature import Signature


def _time(value: datetime) -> str:
    return value.isoformat()


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return parse_time(str(value))


def model_to_dict(model: RegisteredModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "owner": model.owner,
        "tags": dict(model.tags),
        "created_at": _time(model.created_at),
        "updated_at": _time(model.updated_at),
        "latest_version": model.latest_version,
        "aliases": dict(model.aliases),
    }


def model_from_dict(data: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=data["name"],
        description=data.get("description", ""),
        owner=data.get("owner", ""),
        tags=dict(data.get("tags") or {}),
        created_at=_parse_time(data["created_at"]),
        updated_at=_parse_time(data["updated_at"]),
        latest_version=int(data.get("latest_version", 0)),
        aliases={str(k): int(v) for k, v in (data.get("aliases") or {}).items()},
    )


def draft_to_dict(draft: VersionDraft) -> dict[str, Any]:
    return {
        "model": draft.model,
        "artifact_digest": draft.artifact_digest,
        "flavor": draft.flavor,
        "signature": draft.signature.to_dict() if draft.signature else None,
        "metrics": dict(draft.metrics),
        "params": dict(draft.params),
        "tags": dict(draft.tags),
        "description": draft.description,
        "lineage": draft.lineage.to_dict(),
        "flavor_options": dict(draft.flavor_options),
    }


def draft_from_dict(data: dict[str, Any]) -> VersionDraft:
    if not isinstance(data, dict):
        raise InvalidInputError("A version is a JSON object.")
    signature = data.get("signature")
    return VersionDraft(
        model=data.get("model", ""),
        artifact_digest=data.get("artifact_digest", ""),
        flavor=data.get("flavor", ""),
        signature=Signature.from_dict(signature) if signature else None,
        metrics=dict(data.get("metrics") or {}),
        params=dict(data.get("params") or {}),
        tags=dict(data.get("tags") or {}),
        description=data.get("description") or "",
        lineage=Lineage.from_dict(data.get("lineage")),
        flavor_options=dict(data.get("flavor_options") or {}),
    )


def version_to_dict(version: ModelVersion) -> dict[str, Any]:
    return {
        "model": version.model,
        "version": version.version,
        "ref": version.ref,
        "artifact_digest": version.artifact_digest,
        "flavor": version.flavor,
        "flavor_options": dict(version.flavor_options),
        "signature": version.signature.to_dict() if version.signature else None,
        "metrics": dict(version.metrics),
        "params": dict(version.params),
        "tags": dict(version.tags),
        "description": version.description,
        "lineage": version.lineage.to_dict(),
        "created_by": version.created_by,
        "created_at": _time(version.created_at),
        "aliases": list(version.aliases),
    }


def version_from_dict(data: dict[str, Any]) -> ModelVersion:
    signature = data.get("signature")
    return ModelVersion(
        model=data["model"],
        version=int(data["version"]),
        artifact_digest=data["artifact_digest"],
        flavor=data["flavor"],
        signature=Signature.from_dict(signature) if signature else None,
        metrics={k: float(v) for k, v in (data.get("metrics") or {}).items()},
        params=dict(data.get("params") or {}),
        tags=dict(data.get("tags") or {}),
        description=data.get("description", ""),
        lineage=Lineage.from_dict(data.get("lineage")),
        created_by=data.get("created_by", ""),
        created_at=_parse_time(data["created_at"]),
        aliases=tuple(data.get("aliases") or ()),
        flavor_options=dict(data.get("flavor_options") or {}),
    )


def alias_event_to_dict(event: AliasEvent) -> dict[str, Any]:
    return {
        "model": event.model,
        "alias": event.alias,
        "version": event.version,
        "previous_version": event.previous_version,
        "actor": event.actor,
        "at": _time(event.at),
        "reason": event.reason,
        "seq": event.seq,
    }


def alias_event_from_dict(data: dict[str, Any]) -> AliasEvent:
    return AliasEvent(
        model=data["model"],
        alias=data["alias"],
        version=data.get("version"),
        previous_version=data.get("previous_version"),
        actor=data.get("actor", ""),
        at=_parse_time(data["at"]),
        reason=data.get("reason", ""),
        seq=int(data.get("seq", 0)),
    )


def audit_to_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": _time(event.at),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target": event.target,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "details": dict(event.details),
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def audit_from_dict(data: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        action=data["action"],
        target_type=data["target_type"],
        target=data["target"],
        actor=data["actor"],
        at=_parse_time(data["at"]),
        before=data.get("before"),
        after=data.get("after"),
        reason=data.get("reason", ""),
        seq=data.get("seq"),
        details=dict(data.get("details") or {}),
        prev_hash=data.get("prev_hash"),
        hash=data.get("hash"),
    )


def deployment_to_dict(deployment: Deployment) -> dict[str, Any]:
    return {
        "name": deployment.name,
        "revision": deployment.revision,
        "spec": deployment.spec.to_dict(),
        "created_by": deployment.created_by,
        "created_at": _time(deployment.created_at),
        "reason": deployment.reason,
    }


def deployment_from_dict(data: dict[str, Any]) -> Deployment:
    return Deployment(
        name=data["name"],
        revision=int(data["revision"]),
        spec=DeploymentSpec.from_dict(data["spec"]),
        created_by=data.get("created_by", ""),
        created_at=_parse_time(data["created_at"]),
        reason=data.get("reason", ""),
    )


def killed_version_to_dict(killed: KilledVersion) -> dict[str, Any]:
    return {
        "model": killed.model,
        "version": killed.version,
        "ref": killed.ref,
        "reason": killed.reason,
        "killed_by": killed.killed_by,
        "killed_at": _time(killed.killed_at),
    }


def killed_version_from_dict(data: dict[str, Any]) -> KilledVersion:
    return KilledVersion(
        model=data["model"],
        version=int(data["version"]),
        reason=data["reason"],
        killed_by=data["killed_by"],
        killed_at=_parse_time(data["killed_at"]),
    )


def resolved_to_dict(resolved: ResolvedDeployment) -> dict[str, Any]:
    """The deployment revision, and each route, shadow and fallback with the version it means now."""
    return {
        "deployment": deployment_to_dict(resolved.deployment),
        "routes": [
            {"ref": r.ref, "weight": r.weight, "version": version_to_dict(r.version)} for r in resolved.routes
        ],
        "shadows": [version_to_dict(v) for v in resolved.shadows],
        "fallback": version_to_dict(resolved.fallback) if resolved.fallback else None,
        "stopped": resolved.stopped,
    }


def resolved_from_dict(data: dict[str, Any]) -> ResolvedDeployment:
    fallback = data.get("fallback")
    return ResolvedDeployment(
        deployment=deployment_from_dict(data["deployment"]),
        routes=tuple(
            ResolvedRoute(r["ref"], float(r["weight"]), version_from_dict(r["version"]))
            for r in data["routes"]
        ),
        shadows=tuple(version_from_dict(v) for v in data.get("shadows") or ()),
        fallback=version_from_dict(fallback) if fallback else None,
        stopped=data.get("stopped"),
    )
