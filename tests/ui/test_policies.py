"""Published policies, the policy check of a version for an alias, and the admin's users list."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.ui.conftest import World, sign_in

CHAMPION_POLICY = """
name: production
description: "What may serve as champion <script>alert(1)</script>"
aliases: [champion]
models: [churn]
gates:
  approvals: {role: reviewer, quorum: 1}
  risk_tier: {tag: risk_tier, allowed: [low, medium]}
  model_card: {status: approved}
"""


def post_forms(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]*)"', html)


def test_no_policies_is_an_empty_state_and_checks_pass(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    html = console.get("/policies").text
    assert "No policies published yet" in html
    check = console.get("/policies/check", params={"ref": f"{world.model}/2", "alias": "champion"})
    assert check.status_code == 200
    assert "No published policy guards" in check.text
    assert "Name a version" in console.get("/policies/check").text  # the empty form


def test_published_policies_show_name_version_and_yaml_escaped(console: httpx.Client, world: World) -> None:
    with world.client("root") as admin:
        admin.publish_policy(CHAMPION_POLICY)
        admin.publish_policy(CHAMPION_POLICY.replace("quorum: 1", "quorum: 2"))
    html = sign_in(console, world, "vic").get("/policies").text
    assert 'id="policy-production"' in html and "v2" in html and "v1" not in html.split("<main>")[1]
    assert "quorum: 2" in html and "quorum: 1" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for gate in ("approvals", "risk_tier", "model_card"):
        assert f'<span class="badge ">{gate}</span>' in html
    assert post_forms(html) == ["/signout"]


def test_the_check_lists_every_gate_with_pass_fail_and_why(console: httpx.Client, world: World) -> None:
    html = (
        sign_in(console, world, "vic")
        .get("/policies/check", params={"ref": f"{world.model}/2", "alias": "champion"})
        .text
    )
    rows = re.findall(r'<tr class="(pass|fail)">(.*?)</tr>', html, re.S)
    gates = {re.findall(r"<td>(\w+)</td>", body)[0]: outcome for outcome, body in rows}
    assert gates == {"approvals": "fail", "risk_tier": "pass", "model_card": "fail"}
    assert "0 of 2 approval(s) by a reviewer" in html
    assert "model tag risk_tier=&#39;medium&#39; (allowed: low, medium)" in html
    assert "the version has no model card" in html
    assert "refused" in html and "2 of 3 gate(s) unmet" in html
    assert post_forms(html) == ["/signout"]


def test_the_check_by_alias_resolves_the_version(console: httpx.Client, world: World) -> None:
    html = (
        sign_in(console, world, "vic")
        .get("/policies/check", params={"ref": f"{world.model}@champion", "alias": "champion"})
        .text
    )
    assert f"{world.model}/1 → champion" in html


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"ref": "churn/2"}, 422, "target alias"),
        ({"alias": "champion"}, 422, "version"),
        ({"ref": "churn/99", "alias": "champion"}, 404, "99"),
        ({"ref": "ghost/1", "alias": "champion"}, 404, "ghost"),
        ({"ref": "churn/2", "alias": "no such alias!"}, 422, "alias"),
        ({"ref": "churn/x", "alias": "champion"}, 422, "churn/x"),
    ],
)
def test_bad_check_input_is_an_error_page(
    console: httpx.Client, world: World, params: dict[str, str], status: int, message: str
) -> None:
    answer = sign_in(console, world, "vic").get("/policies/check", params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text and "Traceback" not in answer.text


def test_the_admin_sees_every_user_and_role(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "root").get("/users").text
    roles = {"root": "admin", "alice": "contributor", "bob": "reviewer", "olga": "operator", "vic": "viewer"}
    for user, role in roles.items():
        row = re.search(rf'<td class="name">{user}</td>(.*?)</tr>', html, re.S)
        assert row and role in row.group(1), user
    assert 'href="/users"' in html
    assert post_forms(html) == ["/signout"]


@pytest.mark.parametrize("user", ["vic", "bob", "olga"])
def test_only_admins_see_the_users_page(console: httpx.Client, world: World, user: str) -> None:
    sign_in(console, world, user)
    answer = console.get("/users")
    assert answer.status_code == 403 and "identity.manage" in answer.text
    assert 'href="/users"' not in console.get("/policies").text


def test_a_contributor_can_request_the_missing_approval_from_the_check(
    console: httpx.Client, world: World
) -> None:
    params = {"ref": f"{world.model}/2", "alias": "champion"}
    assert (
        'data-testid="request-from-check"'
        not in sign_in(console, world, "bob").get("/policies/check", params=params).text
    )
    html = sign_in(console, world, "alice").get("/policies/check", params=params).text
    assert 'data-testid="request-from-check"' in html
    assert post_forms(html) == ["/signout", "/approvals"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf
    fields = {
        "csrf": csrf.group(1),
        "ref": f"{world.model}/2",
        "target": "champion",
        "reason": "from the check",
    }
    assert console.post("/approvals", data=fields).status_code == 303
    with world.client("root") as admin:
        made = admin.approvals(model=world.model, target="champion")
    assert [r.reason for r in made if r.requested_by == "alice"][-1] == "from the check"
