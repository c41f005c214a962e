"""A version's model card: read it (filled from the registry), edit its sections, review it, export it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import Field

from steward.api.deps import Actor, get_steward
from steward.api.routes.versions import version_ref
from steward.api.schemas import Body
from steward.core.card import card_to_dict
from steward.core.card_export import card_document
from steward.services.cards import CardService

router = APIRouter(prefix="/api/v1/models/{name}/versions/{version}/card", tags=["cards"])


def get_cards(request: Request) -> CardService:
    return get_steward(request).cards


Cards = Annotated[CardService, Depends(get_cards)]


class CardEdit(Body):
    sections: dict[str, str] = Field(
        description="Section name -> text: intended_use, out_of_scope_use, ethical_considerations, "
        "caveats, risk_rating (low|medium|high), risk_explanation, business_owner."
    )


class CardTransition(Body):
    action: str = Field(max_length=16, description="submit, approve, reject or archive")
    comment: str = Field(default="", max_length=2000)


@router.get("", summary="The version's card as JSON (model-card-toolkit fields and more)")
def get_card(name: str, version: str, cards: Cards) -> dict[str, Any]:
    return card_document(cards.show(str(version_ref(name, version))))


@router.get("/export", summary="The card as a file: json, md or html")
def export_card(
    name: str, version: str, cards: Cards, format: Annotated[str, Query(max_length=8)] = "md"
) -> Response:
    text = cards.export(str(version_ref(name, version)), format)
    if format == "html":
        return HTMLResponse(text)
    media = "application/json" if format == "json" else "text/markdown; charset=utf-8"
    return PlainTextResponse(text, media_type=media)


@router.patch("", summary="Edit the card's human sections (an approved card returns to draft)")
def edit_card(name: str, version: str, body: CardEdit, cards: Cards, actor: Actor) -> dict[str, Any]:
    return card_to_dict(cards.edit(str(version_ref(name, version)), body.sections, actor=actor))


@router.post("/transitions", summary="Submit, approve, reject or archive the card")
def transition_card(
    name: str, version: str, body: CardTransition, cards: Cards, actor: Actor
) -> dict[str, Any]:
    ref = str(version_ref(name, version))
    return card_to_dict(cards.transition(ref, body.action, actor=actor, comment=body.comment))
