"""The audit trail, read-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from steward.api.deps import Audit, Registry
from steward.api.routes.models import MaxQ, TokenQ
from steward.core.audit_export import check_format, chunks, export_lines
from steward.core.codec import audit_to_dict
from steward.core.errors import InvalidInputError
from steward.core.governance_codec import alias_at_to_dict, chain_report_to_dict, deployment_at_to_dict
from steward.core.registry import ModelRef
from steward.core.search import parse_time

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
TextQ = Annotated[str | None, Query(max_length=300)]
FormatQ = Annotated[str, Query(max_length=8, description="jsonl or csv")]


@router.get("", summary="Audit events, oldest first")
def list_audit(
    registry: Registry,
    target: TextQ = None,
    action: TextQ = None,
    since: TextQ = None,
    until: TextQ = None,
    max_results: MaxQ = 100,
    page_token: TokenQ = None,
) -> dict[str, Any]:
    page = registry.audit_events(
        target=target,
        action=action,
        since=parse_time(since, "since") if since else None,
        until=parse_time(until, "until") if until else None,
        max_results=max_results,
        page_token=page_token,
    )
    return {"items": [audit_to_dict(e) for e in page.items], "next_page_token": page.next_page_token}


@router.get("/verify", summary="Recompute the hash chain (or from a checkpoint); name the first bad event")
def verify(
    audit: Audit,
    from_seq: Annotated[int | None, Query(ge=1, description="Start at this verified event.")] = None,
    hash: Annotated[str | None, Query(max_length=64, description="The checkpoint event's hash.")] = None,
) -> dict[str, Any]:
    return chain_report_to_dict(audit.verify(from_seq=from_seq, expected_hash=hash))


@router.get("/export", summary="Events in a time range as JSON Lines or CSV, with their hashes (streamed)")
def export(
    audit: Audit, since: TextQ = None, until: TextQ = None, format: FormatQ = "jsonl"
) -> StreamingResponse:
    fmt = check_format(format)
    events = audit.export(
        since=parse_time(since, "since") if since else None,
        until=parse_time(until, "until") if until else None,
    )
    media = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    return StreamingResponse(chunks(export_lines(events, fmt)), media_type=media)


@router.get("/at", summary="What an alias pointed to, or a deployment served, at a time")
def at(
    audit: Audit,
    time: Annotated[str, Query(max_length=64)],
    ref: TextQ = None,
    deployment: Annotated[str | None, Query(max_length=63)] = None,
) -> dict[str, Any]:
    when = parse_time(time, "time")
    if (ref is None) == (deployment is None):
        raise InvalidInputError("Ask about one thing: ?ref=MODEL@ALIAS or ?deployment=NAME, with ?time=.")
    if deployment is not None:
        return deployment_at_to_dict(audit.deployment_at(deployment, when))
    parsed = ModelRef.parse(ref or "")
    if parsed.alias is None:
        raise InvalidInputError(f"Name an alias, e.g. {parsed.model}@champion, not {ref!r}.")
    return alias_at_to_dict(audit.alias_at(parsed.model, parsed.alias, when))
