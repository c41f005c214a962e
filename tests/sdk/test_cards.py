"""Model cards through the SDK, embedded and over HTTP: the same methods, results and errors."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.card import CardStatus
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


def test_a_card_is_written_reviewed_and_exported(
    client: Client, model: LogisticRegression, name: str
) -> None:
    version = client.register(model, name, metrics={"auc": 0.87})
    edited = client.edit_card(version.ref, intended_use="Churn ranking", risk_rating="medium")
    assert edited.status is CardStatus.DRAFT and edited.edited_by == "alice"
    client.submit_card(version.ref)
    with pytest.raises(PermissionDeniedError, match="separation of duties"):
        client.approve_card(version.ref)
    with Client(client.uri, actor="bob") as bob:
        approved = bob.approve_card(version.ref, comment="read it")
    assert approved.status is CardStatus.APPROVED and approved.reviewed_by == "bob"
    doc = client.card(version.ref)
    assert doc["card_status"] == "approved" and doc["model_details"]["name"] == name
    assert {"type": "auc", "value": 0.87, "slice": ""} in doc["quantitative_analysis"]["performance_metrics"]
    assert json.loads(client.export_card(version.ref, "json"))["risk"]["rating"] == "medium"
    assert "| auc | 0.87 |" in client.export_card(version.ref, "md")
    assert "Churn ranking" in client.export_card(version.ref, "html")


def test_bad_input_raises_the_same_errors_both_ways(
    client: Client, model: LogisticRegression, name: str
) -> None:
    version = client.register(model, name)
    with pytest.raises(InvalidInputError, match="Unknown card section"):
        client.edit_card(version.ref, purpose="x")
    with pytest.raises(NotFoundError, match="no card yet"):
        client.submit_card(version.ref)
    client.edit_card(version.ref, intended_use="x")
    with pytest.raises(ConflictError, match="pending_review"):
        client.reject_card(version.ref)
    with pytest.raises(InvalidInputError, match="json, md, html"):
        client.export_card(version.ref, "pdf")
    with pytest.raises(NotFoundError):
        client.card(f"{name}/9")


def test_the_inventory_is_the_same_both_ways(client: Client, model: LogisticRegression, name: str) -> None:
    version = client.register(model, name)
    client.edit_card(version.ref, intended_use="x", risk_rating="low")
    row = next(r for r in client.inventory() if r.model == name)
    assert (row.latest_version, row.card_status, row.risk_tier, row.owner) == (1, "draft", "low", "alice")
    with pytest.raises(InvalidInputError, match="review_days"):
        client.inventory(review_days=0)


def test_the_evidence_pack_is_the_same_both_ways(
    client: Client, model: LogisticRegression, name: str
) -> None:
    version = client.register(model, name, metrics={"auc": 0.77})
    page = client.evidence(version.ref).decode()
    assert page.startswith("<!doctype html>") and "Annex IV 9" in page and "0.77" in page
    archive = zipfile.ZipFile(io.BytesIO(client.evidence(version.ref, format="zip")))
    assert json.loads(archive.read("card.json"))["model_details"]["name"] == name
    with pytest.raises(InvalidInputError, match="html or zip"):
        client.evidence(version.ref, format="pdf")
