"""The model-card routes on a real control plane: workflow, exports, bad input in the one error shape."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import audit_count


@pytest.fixture
def card_path(http: httpx.Client, name: str, manifest: str) -> str:
    body = {"artifact_digest": manifest, "flavor": "python", "metrics": {"auc": 0.8}}
    assert http.post(f"/api/v1/models/{name}/versions", json=body).status_code == 201
    return f"/api/v1/models/{name}/versions/1/card"


def test_a_card_is_edited_submitted_approved_and_exported(
    http: httpx.Client, base_url: str, card_path: str
) -> None:
    edited = http.patch(card_path, json={"sections": {"intended_use": "Churn", "risk_rating": "low"}})
    assert edited.status_code == 200 and edited.json()["status"] == "draft"
    assert (
        http.post(f"{card_path}/transitions", json={"action": "submit"}).json()["status"] == "pending_review"
    )
    refused = http.post(f"{card_path}/transitions", json={"action": "approve"})  # bob edited it
    assert refused.status_code == 403 and "separation of duties" in refused.json()["error"]["message"]
    with httpx.Client(base_url=base_url, headers={"X-Steward-User": "rita"}, timeout=30) as rita:
        approved = rita.post(f"{card_path}/transitions", json={"action": "approve", "comment": "ok"})
    assert approved.status_code == 200 and approved.json()["reviewed_by"] == "rita"
    doc = http.get(card_path).json()
    assert doc["card_status"] == "approved" and doc["risk"]["rating"] == "low"
    page = http.get(f"{card_path}/export", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html") and "Churn" in page.text
    markdown = http.get(f"{card_path}/export", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown") and "| auc | 0.8 |" in markdown.text


@pytest.mark.parametrize(
    ("method", "suffix", "body", "status", "message"),
    [
        ("PATCH", "", {"sections": {"purpose": "x"}}, 422, "Unknown card section"),
        ("PATCH", "", {"sections": {}}, 422, "at least one section"),
        ("PATCH", "", {"sections": {"risk_rating": "huge"}}, 422, "risk rating"),
        ("PATCH", "", {"intended_use": "x"}, 422, ""),
        ("POST", "/transitions", {"action": "submit"}, 404, "no card yet"),
        ("POST", "/transitions", {"action": "publish"}, 422, "Unknown card action"),
        ("GET", "/export?format=pdf", None, 422, "json, md, html"),
    ],
)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    http: httpx.Client, card_path: str, method: str, suffix: str, body: object, status: int, message: str
) -> None:
    before = audit_count(http)
    response = http.request(method, card_path + suffix, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and message in error["message"]
    assert audit_count(http) == before


def test_an_unknown_version_is_a_404(http: httpx.Client, card_path: str) -> None:
    response = http.get(card_path.replace("/versions/1/", "/versions/9/"))
    assert response.status_code == 404 and "no version 9" in response.json()["error"]["message"]


def test_the_inventory_as_json_and_csv_and_bad_input(http: httpx.Client, card_path: str, name: str) -> None:
    items = http.get("/api/v1/inventory").json()["items"]
    assert any(r["model"] == name and r["latest_version"] == 1 for r in items)
    as_csv = http.get("/api/v1/inventory", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv") and name in as_csv.text
    for params, message in (({"format": "xlsx"}, "csv or json"), ({"review_days": 0}, "review_days")):
        response = http.get("/api/v1/inventory", params=params)
        assert response.status_code == 422 and message in response.json()["error"]["message"]


def test_the_evidence_pack_as_html_and_zip_and_bad_input(http: httpx.Client, card_path: str) -> None:
    path = card_path.removesuffix("/card") + "/evidence"
    page = http.get(path)
    assert page.headers["content-type"].startswith("text/html") and "SR 11-7" in page.text
    archive = http.get(path, params={"format": "zip"})
    assert archive.headers["content-type"] == "application/zip" and archive.content.startswith(b"PK")
    refused = http.get(path, params={"format": "pdf"})
    assert refused.status_code == 422 and "html or zip" in refused.json()["error"]["message"]
