"""Bad input to the governance routes: a clear 4xx in the one error shape, and nothing written."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import audit_count

EXTRA_KEY = "name: p\naliases: [champion]\nextra: 1\n"
NO_QUORUM = "name: p\naliases: [x]\ngates: {approvals: {quorum: 0}}"
NO_REASON = {"model": "m", "alias": "a", "version": 1, "reason": ""}
CASES = [
    ("POST", "/api/v1/users", {"name": "bad name!"}, 422, "Invalid user name"),
    ("POST", "/api/v1/users", {"name": "ann", "role": "wizard"}, 422, "Unknown role"),
    ("POST", "/api/v1/users", {"name": "ann", "kind": "robot"}, 422, "account kind"),
    ("POST", "/api/v1/users/nobody/grants", {"role": "viewer"}, 404, "No user"),
    ("POST", "/api/v1/users/nobody/grants/revoke", {"role": "viewer"}, 404, "No user"),
    ("POST", "/api/v1/tokens", {"principal": "nobody"}, 404, "No user"),
    ("POST", "/api/v1/tokens", {"expires_in_days": 0}, 422, "expires_in_days"),
    ("DELETE", "/api/v1/tokens/424242", None, 404, "No token"),
    ("POST", "/api/v1/approvals", {"ref": "nosuch/1", "target": "champion"}, 404, "No model"),
    ("POST", "/api/v1/approvals", {"ref": "churn", "target": "champion"}, 422, "numbered version"),
    ("POST", "/api/v1/approvals/424242/decisions", {"decision": "approve"}, 404, "No approval request"),
    ("POST", "/api/v1/policies", {"source": "name: [unclosed"}, 422, "not valid YAML"),
    (
        "POST",
        "/api/v1/policies",
        {"source": EXTRA_KEY},
        422,
        "Unknown policy keys",
    ),
    (
        "POST",
        "/api/v1/policies",
        {"source": NO_QUORUM},
        422,
        "quorum",
    ),
    (
        "POST",
        "/api/v1/policies/override",
        {"model": "m", "alias": "a", "version": 1, "reason": ""},
        422,
        "reason",
    ),
    ("GET", "/api/v1/policies/check?ref=nosuch/1&alias=champion", None, 404, "No model"),
    ("GET", "/api/v1/policies/nosuch", None, 404, "No policy"),
    ("GET", "/api/v1/audit/at?deployment=nosuch&time=2026-01-01", None, 404, "nosuch"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), CASES)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    http: httpx.Client, method: str, path: str, body: object, status: int, message: str
) -> None:
    before = audit_count(http)
    response = http.request(method, path, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and message in error["message"]
    assert audit_count(http) == before
