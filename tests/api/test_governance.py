"""REST with sign-in on: a role x action matrix over every mutating route, tokens, audit verify/export/at."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from steward import Client
from tests.api.conftest import audit_count, upload_tree
from tests.servers import control_plane

ROLES = ("viewer", "contributor", "reviewer", "operator", "admin")
POLICY = "name: prod\naliases: [champion]\ngates:\n  approvals: {role: reviewer, quorum: 1}\n"


@dataclass
class Plane:
    url: str
    tokens: dict[str, str]  # role -> token of a user holding only that role

    def client(self, role: str | None) -> httpx.Client:
        headers = {"X-Steward-User": "admin-by-header"}  # ignored with sign-in on
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plane]:
    folder = tmp_path_factory.mktemp("gov")
    uri = f"sqlite:///{folder / 'server.db'}"
    tokens: dict[str, str] = {}
    with Client(uri, artifacts=str(folder / "artifacts"), actor="setup") as boot:
        boot.create_user("root", role="admin")  # the first admin bootstraps itself
    with Client(uri, artifacts=str(folder / "artifacts"), actor="root") as admin:
        for role in ROLES:
            admin.create_user(f"u-{role}", role=role)
            tokens[role] = admin.create_token(f"u-{role}").secret
        tokens["setup"] = admin.create_token("root").secret  # set-up is done by another admin
    with control_plane(folder, uri, env={"STEWARD_AUTH": "on"}) as url:
        yield Plane(url, tokens)


@pytest.fixture(scope="module")
def admin(plane: Plane) -> Iterator[httpx.Client]:
    with plane.client("setup") as client:
        yield client


def unique() -> str:
    return f"m-{uuid.uuid4().hex[:8]}"


def model_with_versions(admin: httpx.Client, count: int = 2) -> str:
    name = unique()
    for _ in range(count):
        digest = upload_tree(admin, {"model.txt": uuid.uuid4().bytes})
        made = admin.post(
            f"/api/v1/models/{name}/versions", json={"artifact_digest": digest, "flavor": "python"}
        )
        assert made.status_code == 201, made.text
    return name


def deployment(admin: httpx.Client, model: str) -> str:
    name = f"d-{uuid.uuid4().hex[:8]}"
    spec = {"routes": [{"ref": f"{model}/1", "weight": 100}]}
    assert admin.post("/api/v1/deployments", json={"name": name, "spec": spec}).status_code == 201
    assert (
        admin.put(
            f"/api/v1/deployments/{name}", json={"spec": {"routes": [{"ref": f"{model}/2", "weight": 100}]}}
        ).status_code
        == 200
    )
    return name


#: Every mutating route: (name, roles allowed, make the request as the given client after admin set-up).
Case = Callable[[httpx.Client, httpx.Client], httpx.Response]


def _create_model(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post("/api/v1/models", json={"name": unique()})


def _update_model(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.patch(f"/api/v1/models/{model_with_versions(admin, 1)}", json={"description": "x"})


def _upload(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    import hashlib

    blob = uuid.uuid4().bytes
    return c.put(f"/api/v1/artifacts/{hashlib.sha256(blob).hexdigest()}", content=blob)


def _register(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    digest = upload_tree(admin, {"model.txt": uuid.uuid4().bytes})
    return c.post(f"/api/v1/models/{unique()}/versions", json={"artifact_digest": digest, "flavor": "python"})


def _set_alias(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.put(f"/api/v1/models/{model_with_versions(admin, 1)}/aliases/staging", json={"version": 1})


def _delete_alias(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = model_with_versions(admin, 1)
    assert admin.put(f"/api/v1/models/{name}/aliases/staging", json={"version": 1}).status_code == 200
    return c.delete(f"/api/v1/models/{name}/aliases/staging")


def _rollback_alias(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = model_with_versions(admin, 2)
    for v in (1, 2):
        assert admin.put(f"/api/v1/models/{name}/aliases/staging", json={"version": v}).status_code == 200
    return c.post(f"/api/v1/models/{name}/aliases/staging/rollback", json={})


def _create_deployment(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    spec = {"routes": [{"ref": f"{model_with_versions(admin, 1)}/1", "weight": 100}]}
    return c.post("/api/v1/deployments", json={"name": f"d-{uuid.uuid4().hex[:8]}", "spec": spec})


def _update_deployment(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    model = model_with_versions(admin)
    spec = {"routes": [{"ref": f"{model}/1", "weight": 50}, {"ref": f"{model}/2", "weight": 50}]}
    return c.put(f"/api/v1/deployments/{deployment(admin, model)}", json={"spec": spec})


def _rollback_deployment(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post(f"/api/v1/deployments/{deployment(admin, model_with_versions(admin))}/rollback", json={})


def _promote_deployment(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    model = model_with_versions(admin)
    name = deployment(admin, model)
    spec = {"routes": [{"ref": f"{model}/1", "weight": 50}, {"ref": f"{model}/2", "weight": 50}]}
    assert admin.put(f"/api/v1/deployments/{name}", json={"spec": spec}).status_code == 200
    return c.post(f"/api/v1/deployments/{name}/promote", json={"ref": f"{model}/1"})


def _create_user(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post("/api/v1/users", json={"name": unique()})


def _grant(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = unique()
    assert admin.post("/api/v1/users", json={"name": name}).status_code == 201
    return c.post(f"/api/v1/users/{name}/grants", json={"role": "viewer"})


def _revoke(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = unique()
    assert admin.post("/api/v1/users", json={"name": name, "role": "viewer"}).status_code == 201
    return c.post(f"/api/v1/users/{name}/grants/revoke", json={"role": "viewer"})


def _token_for_other(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = unique()
    assert admin.post("/api/v1/users", json={"name": name}).status_code == 201
    return c.post("/api/v1/tokens", json={"principal": name})


def _revoke_other_token(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    token = admin.post("/api/v1/tokens", json={"name": "spare"}).json()
    return c.delete(f"/api/v1/tokens/{token['id']}")


def _request_approval(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post(
        "/api/v1/approvals", json={"ref": f"{model_with_versions(admin, 1)}/1", "target": "champion"}
    )


def _decide(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    made = admin.post("/api/v1/approvals", json={"ref": f"{model_with_versions(admin, 1)}/1", "target": "x"})
    return c.post(f"/api/v1/approvals/{made.json()['id']}/decisions", json={"decision": "approve"})


def _publish(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post("/api/v1/policies", json={"source": POLICY.replace("prod", unique())})


def _override(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    return c.post(
        "/api/v1/policies/override",
        json={"model": model_with_versions(admin, 1), "alias": "champion", "version": 1, "reason": "test"},
    )


def _open_finding(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    body = {"ref": f"{model_with_versions(admin, 1)}/1", "title": "leaks the label", "severity": "high"}
    return c.post("/api/v1/findings", json=body)


def _close_finding(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    body = {"ref": f"{model_with_versions(admin, 1)}/1", "title": "leaks the label", "severity": "high"}
    made = admin.post("/api/v1/findings", json=body)
    assert made.status_code == 201, made.text
    return c.post(f"/api/v1/findings/{made.json()['id']}/close", json={"resolution": "dropped"})


def _override_delete(admin: httpx.Client, c: httpx.Client) -> httpx.Response:
    name = model_with_versions(admin, 1)
    policy = f"name: {unique()}\naliases: [retired]\nmodels: [{name}]\ngates:\n  approvals: {{quorum: 1}}\n"
    assert admin.post("/api/v1/policies", json={"source": policy}).status_code == 201
    body = {"model": name, "alias": "retired", "version": 1, "reason": "set-up"}
    assert admin.post("/api/v1/policies/override", json=body).status_code == 200
    body = {"model": name, "alias": "retired", "delete": True, "reason": "retired"}
    return c.post("/api/v1/policies/override", json=body)


MATRIX: list[tuple[str, Case, set[str]]] = [
    ("create model", _create_model, {"contributor", "admin"}),
    ("update model", _update_model, {"contributor", "admin"}),
    ("upload artifact", _upload, {"contributor", "admin"}),
    ("register version", _register, {"contributor", "admin"}),
    ("set alias", _set_alias, {"operator", "admin"}),
    ("delete alias", _delete_alias, {"operator", "admin"}),
    ("roll back alias", _rollback_alias, {"operator", "admin"}),
    ("create deployment", _create_deployment, {"operator", "admin"}),
    ("update deployment", _update_deployment, {"operator", "admin"}),
    ("roll back deployment", _rollback_deployment, {"operator", "admin"}),
    ("promote deployment", _promote_deployment, {"operator", "admin"}),
    ("create user", _create_user, {"admin"}),
    ("grant role", _grant, {"admin"}),
    ("revoke role", _revoke, {"admin"}),
    ("token for someone else", _token_for_other, {"admin"}),
    ("revoke someone else's token", _revoke_other_token, {"admin"}),
    ("request approval", _request_approval, {"contributor", "operator", "admin"}),
    ("approve", _decide, {"reviewer", "admin"}),
    ("publish policy", _publish, {"admin"}),
    ("override policy", _override, {"admin"}),
    ("override: delete a protected alias", _override_delete, {"admin"}),
    ("open finding", _open_finding, {"reviewer", "admin"}),
    ("close finding", _close_finding, {"reviewer", "admin"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "case", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_role_by_action_matrix(
    plane: Plane, admin: httpx.Client, role: str, action: str, case: Case, allowed: set[str]
) -> None:
    before: list[int] = []
    with plane.client(role) as client:
        response = _run(case, admin, client, before)
    if role in allowed:
        assert response.status_code in (200, 201), (action, role, response.text)
    else:
        assert response.status_code == 403, (action, role, response.text)
        assert response.json()["error"]["code"] == "permission_denied"
        assert audit_count(admin) == before[0]  # nothing written


def _run(case: Case, admin: httpx.Client, client: httpx.Client, before: list[int]) -> httpx.Response:
    """Run *case*; its set-up (by admin) comes first, so count the audit just before the role's request."""
    original = client.request

    def request(*args: object, **kwargs: object) -> httpx.Response:
        before.append(audit_count(admin))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    client.request = request  # type: ignore[method-assign]
    return case(admin, client)


def test_without_a_token_everything_but_health_is_401(plane: Plane) -> None:
    with plane.client(None) as anonymous:
        assert anonymous.get("/api/v1/health").status_code == 200
        for method, path in (("GET", "/api/v1/models"), ("GET", "/api/v1/audit"), ("POST", "/api/v1/models")):
            response = anonymous.request(method, path, json={"name": "x"} if method == "POST" else None)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthenticated"
        bad = anonymous.get("/api/v1/models", headers={"Authorization": "Bearer stw_nope"})
        assert bad.status_code == 401 and "not valid" in bad.json()["error"]["message"]


def test_the_token_decides_the_actor_not_the_header(plane: Plane, admin: httpx.Client) -> None:
    with plane.client("contributor") as contributor:
        name = unique()
        assert contributor.post("/api/v1/models", json={"name": name}).status_code == 201
    events = admin.get("/api/v1/audit", params={"target": name}).json()["items"]
    assert [e["actor"] for e in events] == ["u-contributor"]


def test_a_guarded_alias_cannot_move_over_rest_until_approved(plane: Plane, admin: httpx.Client) -> None:
    name = model_with_versions(admin, 1)
    policy = f"name: {unique()}\naliases: [champion]\nmodels: [{name}]\ngates:\n  approvals: {{quorum: 1}}\n"
    assert admin.post("/api/v1/policies", json={"source": policy}).status_code == 201
    with plane.client("operator") as operator, plane.client("reviewer") as reviewer:
        before = audit_count(admin)
        refused = operator.put(f"/api/v1/models/{name}/aliases/champion", json={"version": 1})
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "policy_violation" and "0 of 1 approval" in error["details"]["unmet"][0]
        assert audit_count(admin) == before
        check = operator.get(
            "/api/v1/policies/check", params={"ref": f"{name}/1", "alias": "champion"}
        ).json()
        assert check["passed"] is False
        made = operator.post("/api/v1/approvals", json={"ref": f"{name}/1", "target": "champion"}).json()
        own = operator.post(f"/api/v1/approvals/{made['id']}/decisions", json={"decision": "approve"})
        assert own.status_code == 403  # operators cannot approve (and not their own request)
        ok = reviewer.post(
            f"/api/v1/approvals/{made['id']}/decisions", json={"decision": "approve", "comment": "ok"}
        )
        assert ok.status_code == 200 and ok.json()["status"] == "approved (1)"
        assert operator.put(f"/api/v1/models/{name}/aliases/champion", json={"version": 1}).status_code == 200


def test_audit_verify_export_and_at(admin: httpx.Client) -> None:
    name = model_with_versions(admin, 2)
    first = admin.put(f"/api/v1/models/{name}/aliases/staging", json={"version": 1}).json()
    admin.put(f"/api/v1/models/{name}/aliases/staging", json={"version": 2})
    verified = admin.get("/api/v1/audit/verify").json()
    assert verified["ok"] is True and verified["checked"] == audit_count(admin)
    at = admin.get("/api/v1/audit/at", params={"ref": f"{name}@staging", "time": first["at"]}).json()
    assert at["version"] == 1 and at["event"]["actor"] == "root"
    since = first["at"]
    lines = admin.get("/api/v1/audit/export", params={"format": "jsonl", "since": since}).text.splitlines()
    assert len(lines) == 2 and all('"hash"' in line for line in lines)
    csv = admin.get("/api/v1/audit/export", params={"format": "csv", "since": since}).text.splitlines()
    assert csv[0].startswith("seq,at,actor") and len(csv) == 3
    for params in (
        {"time": first["at"]},
        {"ref": name, "time": first["at"]},
        {"ref": f"{name}@x", "time": "soon"},
    ):
        bad = admin.get("/api/v1/audit/at", params=params)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    assert admin.get("/api/v1/audit/export", params={"format": "xml"}).status_code == 422


def test_a_protected_alias_cannot_be_deleted_over_rest(plane: Plane, admin: httpx.Client) -> None:
    name = model_with_versions(admin, 1)
    policy = f"name: {unique()}\naliases: [gold]\nmodels: [{name}]\ngates:\n  findings: {{severity: low}}\n"
    assert admin.post("/api/v1/policies", json={"source": policy}).status_code == 201
    assert admin.put(f"/api/v1/models/{name}/aliases/gold", json={"version": 1}).status_code == 200
    with plane.client("operator") as operator:
        before = audit_count(admin)
        for client in (operator, admin):  # an admin too: deleting takes the override, with a reason
            refused = client.delete(f"/api/v1/models/{name}/aliases/gold")
            assert refused.status_code == 403
            error = refused.json()["error"]
            assert error["code"] == "policy_violation" and "override" in error["details"]["unmet"][0]
        assert audit_count(admin) == before
        assert admin.get(f"/api/v1/models/{name}/aliases/gold").status_code == 200
    both = {"model": name, "alias": "gold", "version": 1, "delete": True, "reason": "x"}
    assert admin.post("/api/v1/policies/override", json=both).status_code == 422
    neither = {"model": name, "alias": "gold", "reason": "x"}
    assert admin.post("/api/v1/policies/override", json=neither).status_code == 422
    assert audit_count(admin) == before


def test_findings_and_environment_gates_over_rest(plane: Plane, admin: httpx.Client) -> None:
    name = model_with_versions(admin, 1)
    policy = (
        f"name: {unique()}\nenvironments: [production]\nmodels: [{name}]\n"
        "gates:\n  findings: {severity: medium}\n"
    )
    assert admin.post("/api/v1/policies", json={"source": policy}).status_code == 201
    with plane.client("reviewer") as reviewer, plane.client("operator") as operator:
        opened = reviewer.post(
            "/api/v1/findings", json={"ref": f"{name}/1", "title": "unstable", "severity": "medium"}
        )
        assert opened.status_code == 201 and opened.json()["status"] == "open"
        spec = {"routes": [{"ref": f"{name}/1", "weight": 100}], "environment": "production"}
        refused = operator.post(
            "/api/v1/deployments", json={"name": f"d-{uuid.uuid4().hex[:8]}", "spec": spec}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "policy_violation"
        assert "unstable" in refused.json()["error"]["details"]["unmet"][0]
        listed = operator.get("/api/v1/findings", params={"ref": f"{name}/1", "status": "open"}).json()
        assert [f["id"] for f in listed["items"]] == [opened.json()["id"]]
        closed = reviewer.post(f"/api/v1/findings/{opened.json()['id']}/close", json={"resolution": "fixed"})
        assert closed.status_code == 200 and closed.json()["closed_by"] == "u-reviewer"
        again = reviewer.post(f"/api/v1/findings/{opened.json()['id']}/close", json={"resolution": "x"})
        assert again.status_code == 409
        made = operator.post("/api/v1/deployments", json={"name": f"d-{uuid.uuid4().hex[:8]}", "spec": spec})
        assert made.status_code == 201 and made.json()["spec"]["environment"] == "production"
        check = operator.get("/api/v1/policies/check", params={"ref": f"{name}/1", "alias": "env:production"})
        assert check.json()["passed"] is True
        bad = reviewer.post("/api/v1/findings", json={"ref": f"{name}/1", "title": "x", "severity": "huge"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
        assert reviewer.get("/api/v1/findings/999999").status_code == 404
