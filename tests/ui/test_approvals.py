"""The approvals inbox over HTTP: who sees which buttons, deciding and requesting through forms,
separation of duties, a two-reviewer quorum, and refusals that write nothing."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.ui.conftest import World, csrf_of, sign_in

QUORUM_POLICY = """
name: two-reviewers
description: Two reviewers sign off a challenger.
aliases: [challenger]
gates:
  approvals: {role: reviewer, quorum: 2}
"""


def audit_count(console: httpx.Client, world: World) -> int:
    """Events in the audit log, through the REST API with the admin's token."""
    answer = console.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {world.tokens['root']}"})
    assert answer.status_code == 200, answer.text
    checked: int = answer.json()["checked"]
    return checked


def row_of(html: str, request_id: int) -> str:
    found = re.search(rf'<tr id="request-{request_id}">(.*?)</tr>', html, re.S)
    assert found, f"approval #{request_id} is not on the page"
    return found.group(1)


def post_forms(html: str) -> list[str]:
    """Where the page's state-changing forms post to."""
    return re.findall(r'<form method="post" action="([^"]*)"', html)


def section(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S)
    return found.group(1) if found else ""


def post_decision(
    console: httpx.Client, request_id: int | str, decision: str, comment: str = "looks right"
) -> httpx.Response:
    return console.post(
        f"/approvals/{request_id}/{decision}",
        data={"csrf": csrf_of(console, "/approvals"), "comment": comment},
    )


def test_a_viewer_sees_the_pending_request_but_no_action(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "vic").get("/approvals").text
    row = row_of(section(html, "open-approvals"), world.approval_id)
    assert f'href="/models/{world.model}/versions/2"' in row
    assert "champion" in row and "alice" in row and "better recall" in row
    assert "0 of 1" in row
    assert "reviewer or admin role" in row
    assert post_forms(html) == ["/signout"]  # no approve, reject or request form
    assert 'data-testid="request-approval"' not in html


def test_a_contributor_sees_why_she_cannot_decide_and_may_request(
    console: httpx.Client, world: World
) -> None:
    html = sign_in(console, world, "alice").get("/approvals").text
    row = row_of(html, world.approval_id)
    assert 'action="/approvals/' not in row
    assert "Deciding needs the reviewer or admin role." in row
    assert 'data-testid="request-approval"' in html  # contributors may ask for approvals
    assert post_forms(html) == ["/signout", "/approvals"]


def test_separation_of_duties_hides_the_buttons_and_says_why(console: httpx.Client, world: World) -> None:
    with world.client("root") as admin:
        own = admin.request_approval(f"{world.model}/1", "steady", reason="mine").id
        admin.grant("alice", "reviewer", model=world.model)  # alice registered churn/2 and asked for it
    try:
        html = sign_in(console, world, "root").get("/approvals").text
        assert f'action="/approvals/{world.approval_id}/approve"' in row_of(html, world.approval_id)
        mine = row_of(html, own)
        assert 'action="/approvals/' not in mine
        assert "requested approval" in mine and "separation of duties" in mine
        before = audit_count(console, world)
        forged = post_decision(console, own, "approve")  # the service refuses self-approval anyway
        assert forged.status_code == 403 and "separation of duties" in forged.text

        row = row_of(sign_in(console, world, "alice").get("/approvals").text, world.approval_id)
        assert 'action="/approvals/' not in row
        assert "registered churn/2" in row and "separation of duties" in row
        forged = post_decision(console, world.approval_id, "approve")
        assert forged.status_code == 403 and "separation of duties" in forged.text
        assert audit_count(console, world) == before
    finally:
        with world.client("root") as admin:
            admin.revoke("alice", "reviewer", model=world.model)


def test_a_reviewer_gets_approve_and_reject_forms(console: httpx.Client, world: World) -> None:
    html = sign_in(console, world, "bob").get("/approvals").text
    row = row_of(html, world.approval_id)
    assert f'action="/approvals/{world.approval_id}/approve"' in row
    assert f'action="/approvals/{world.approval_id}/reject"' in row
    assert 'name="comment"' in row and "required" in row and "data-confirm=" in row
    assert 'data-testid="request-approval"' not in html  # reviewers decide, they do not request


@pytest.mark.parametrize("user", ["vic", "alice", "olga"])
def test_a_forged_decision_is_refused_and_writes_nothing(
    console: httpx.Client, world: World, user: str
) -> None:
    sign_in(console, world, user)
    before = audit_count(console, world)
    answer = post_decision(console, world.approval_id, "approve")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text
    assert audit_count(console, world) == before
    with world.client("root") as admin:
        assert admin.approvals(model=world.model)[0].decisions == ()


def test_bad_decisions_are_refused_with_a_message(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "bob")
    before = audit_count(console, world)
    no_comment = post_decision(console, world.approval_id, "approve", comment="  ")
    assert no_comment.status_code == 422 and "A comment is required" in no_comment.text
    assert post_decision(console, world.approval_id, "maybe").status_code == 422
    assert post_decision(console, "abc", "approve").status_code == 422
    assert post_decision(console, 10**30, "approve").status_code == 422
    missing = post_decision(console, 9999, "approve")
    assert missing.status_code == 404
    no_csrf = console.post(f"/approvals/{world.approval_id}/approve", data={"comment": "x"})
    assert no_csrf.status_code == 403 and "security token" in no_csrf.text
    assert audit_count(console, world) == before


def test_request_an_approval_through_the_form(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "olga")
    before = audit_count(console, world)
    fields = {"ref": f"{world.model}/1", "target": "stable", "reason": "steady for a month ✓"}
    answer = console.post("/approvals", data={**fields, "csrf": csrf_of(console, "/approvals")})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/approvals#request-")
    request_id = int(answer.headers["location"].rsplit("-", 1)[1])
    row = row_of(console.get("/approvals").text, request_id)
    assert "stable" in row and "olga" in row and "steady for a month ✓" in row
    assert audit_count(console, world) == before + 1


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"ref": "churn", "target": "champion", "reason": "r"}, 422, "numbered version"),
        ({"ref": "churn/77", "target": "champion", "reason": "r"}, 404, "77"),
        ({"ref": "nope/1", "target": "champion", "reason": "r"}, 404, "nope"),
        ({"ref": "churn/1", "target": "not an alias!", "reason": "r"}, 422, "alias"),
        ({"ref": "churn/1", "target": "champion", "reason": " "}, 422, "Reason is required"),
        ({"ref": "churn/1", "target": "champion"}, 422, "Reason is required"),
    ],
)
def test_a_bad_request_form_is_refused_and_writes_nothing(
    console: httpx.Client, world: World, fields: dict[str, str], status: int, message: str
) -> None:
    sign_in(console, world, "alice")
    before = audit_count(console, world)
    answer = console.post("/approvals", data={**fields, "csrf": csrf_of(console, "/approvals")})
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert audit_count(console, world) == before


def test_a_viewer_cannot_forge_a_request(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    before = audit_count(console, world)
    fields = {
        "ref": f"{world.model}/1",
        "target": "champion",
        "reason": "sneaky",
        "csrf": csrf_of(console, "/"),
    }
    assert console.post("/approvals", data=fields).status_code == 403
    assert audit_count(console, world) == before


def test_two_reviewers_meet_a_quorum_of_two(console: httpx.Client, world: World) -> None:
    with world.client("root") as admin:
        admin.publish_policy(QUORUM_POLICY)
    with world.client("alice") as alice:
        request_id = alice.request_approval(f"{world.model}/2", "challenger", reason="try it").id

    sign_in(console, world, "bob")
    assert post_decision(console, request_id, "approve", "metrics hold up").status_code == 303
    html = console.get("/approvals").text
    row = row_of(section(html, "open-approvals"), request_id)  # still open: one of two
    assert "1 of 2" in row and "metrics hold up" in row
    assert 'action="/approvals/' not in row and "already decided" in row
    check = console.get("/policies/check", params={"ref": f"{world.model}/2", "alias": "challenger"}).text
    assert "1 of 2 approval(s)" in check and "refused" in check

    sign_in(console, world, "carol")
    assert f'action="/approvals/{request_id}/approve"' in row_of(console.get("/approvals").text, request_id)
    assert post_decision(console, request_id, "approve", "agreed").status_code == 303
    html = console.get("/approvals").text
    assert f'id="request-{request_id}"' not in section(html, "open-approvals")
    row = row_of(section(html, "decided-approvals"), request_id)
    assert "approved" in row and "2 of 2" in row and "bob" in row and "carol" in row and "agreed" in row
    check = console.get("/policies/check", params={"ref": f"{world.model}/2", "alias": "challenger"}).text
    assert "2 of 2 approval(s)" in check and "Every gate passes" in check


def test_a_rejection_closes_the_request_with_its_comment(console: httpx.Client, world: World) -> None:
    with world.client("olga") as olga:
        request_id = olga.request_approval(f"{world.model}/1", "legacy", reason="keep the old one").id
    sign_in(console, world, "carol")
    assert post_decision(console, request_id, "reject", "superseded by v2").status_code == 303
    html = console.get("/approvals").text
    row = row_of(section(html, "decided-approvals"), request_id)
    assert "rejected" in row and "superseded by v2" in row
    assert post_decision(console, request_id, "approve").status_code in (403, 409)


def test_decided_requests_paginate_and_long_unicode_stays_in_its_cell(
    console: httpx.Client, world: World
) -> None:
    long_reason = "Причина-原因-" * 40  # 480 characters without a space
    with world.client("olga") as olga, world.client("carol") as carol:
        for n in range(60):
            made = olga.request_approval(
                f"{world.model}/1", f"slot_{n}", reason=long_reason if n == 59 else "r"
            )
            carol.approve(made.id, comment=f"ok {n} ✓")
    sign_in(console, world, "vic")
    first = console.get("/approvals").text
    decided = re.findall(r'<tr id="request-(\d+)">', section(first, "decided-approvals"))
    assert len(decided) == 50 and 'rel="next"' in first
    assert "ok 59 ✓" in row_of(first, int(decided[0]))  # the latest decision first
    assert '<details class="long"><summary>' in row_of(first, int(decided[0]))
    second = console.get("/approvals", params={"page": "2"}).text
    rest = re.findall(r'<tr id="request-(\d+)">', section(second, "decided-approvals"))
    assert rest and not set(rest) & set(decided) and 'rel="prev"' in second
    assert console.get("/approvals", params={"page": "-1"}).status_code == 422
