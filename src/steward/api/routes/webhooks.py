"""Webhook subscriptions (admin only): add, list, remove, test, and every delivery attempt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from steward.api.deps import Actor, get_steward
from steward.api.schemas import WebhookCreate
from steward.services.webhooks import WebhookService

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


def get_webhooks(request: Request) -> WebhookService:
    return get_steward(request).webhooks


Webhooks = Annotated[WebhookService, Depends(get_webhooks)]
IdPath = Annotated[int, Path(ge=1, lt=2**62, description="The webhook's id (`GET /api/v1/webhooks`).")]


@router.post("", status_code=201, summary="Subscribe a URL to events (the secret is shown only here)")
def add(body: WebhookCreate, webhooks: Webhooks, actor: Actor) -> dict[str, Any]:
    return webhooks.add(body.url, body.events, actor=actor, secret=body.secret, reason=body.reason).to_dict()


@router.get("", summary="Every webhook, with its cursor and retry state (never its secret)")
def list_webhooks(webhooks: Webhooks, actor: Actor) -> dict[str, Any]:
    return {"items": [w.to_dict() for w in webhooks.list(actor=actor)]}


@router.get("/{webhook_id}", summary="One webhook")
def get(webhook_id: IdPath, webhooks: Webhooks, actor: Actor) -> dict[str, Any]:
    return webhooks.get(webhook_id, actor=actor).to_dict()


@router.delete("/{webhook_id}", summary="Stop delivering to a webhook and delete its delivery log")
def remove(
    webhook_id: IdPath,
    webhooks: Webhooks,
    actor: Actor,
    reason: Annotated[str, Query(max_length=1000, description="Why (kept in the audit trail).")] = "",
) -> dict[str, Any]:
    return webhooks.remove(webhook_id, actor=actor, reason=reason).to_dict()


@router.post("/{webhook_id}/test", summary="Send a ping event now and return the receiver's answer")
def test(webhook_id: IdPath, webhooks: Webhooks, actor: Actor) -> dict[str, Any]:
    return webhooks.test(webhook_id, actor=actor).to_dict()


@router.get("/{webhook_id}/deliveries", summary="Delivery attempts, newest first")
def deliveries(
    webhook_id: IdPath,
    webhooks: Webhooks,
    actor: Actor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    return {"items": [d.to_dict() for d in webhooks.deliveries(webhook_id, actor=actor, limit=limit)]}
