"""The approvals inbox: open until rejected or the target's quorum is met; who may decide and why not."""

from __future__ import annotations

import pytest

from steward.core.errors import InvalidInputError
from steward.services.access import AccessControl
from steward.services.approval_inbox import ApprovalInbox
from steward.services.approvals import ApprovalService
from steward.services.identity import IdentityService
from steward.services.policies import PolicyService
from steward.store import SqlStore
from tests.store.builders import create, draft, register

QUORUM = """
name: production
aliases: [champion]
gates:
  approvals: {role: reviewer, quorum: 2}
"""


@pytest.fixture
def setup(store: SqlStore) -> tuple[ApprovalInbox, ApprovalService, PolicyService]:
    access = AccessControl(store, enabled=True)
    identities = IdentityService(store, access)
    identities.create_user("root", actor="bootstrap", role="admin")
    for name, role in (("rita", "reviewer"), ("rob", "reviewer"), ("carl", "contributor"), ("vic", "viewer")):
        identities.create_user(name, actor="root", role=role)
    with store.write() as tx:
        create(tx, "churn")
        register(tx, draft("churn", 1), by="carl")
        register(tx, draft("churn", 2), by="rob")  # rob registered v2: he may not decide on it
    return ApprovalInbox(store, access), ApprovalService(store, access), PolicyService(store, access)


def test_open_until_the_quorum_is_met_or_someone_rejects(
    setup: tuple[ApprovalInbox, ApprovalService, PolicyService],
) -> None:
    inbox, approvals, policies = setup
    policies.publish(QUORUM, actor="root")
    guarded = approvals.request("churn/1", "champion", actor="carl", reason="r").id
    free = approvals.request("churn/1", "challenger", actor="carl").id
    doomed = approvals.request("churn/1", "shadow", actor="carl").id
    approvals.decide(guarded, "approve", actor="rita")
    approvals.decide(free, "approve", actor="rita")
    approvals.decide(doomed, "reject", actor="rob")

    seen = inbox.inbox("rob")
    assert [(i.request.id, i.quorum, i.may_decide) for i in seen.open] == [(guarded, 2, True)]
    assert [(i.request.id, i.state) for i in seen.decided] == [(doomed, "rejected"), (free, "approved")]
    assert inbox.inbox("rita").open[0].why_not.startswith("'rita' has already decided")

    approvals.decide(guarded, "approve", actor="rob")
    after = inbox.inbox("rob")
    assert after.open == [] and after.decided[0].request.id == guarded
    assert after.decided[0].state == "approved"


def test_who_may_decide_and_why_not(setup: tuple[ApprovalInbox, ApprovalService, PolicyService]) -> None:
    inbox, approvals, _ = setup
    request = approvals.request("churn/2", "champion", actor="carl").id
    own = approvals.request("churn/1", "champion", actor="root").id

    def item(actor: str, request_id: int) -> tuple[bool, str]:
        found = next(i for i in inbox.inbox(actor).open if i.request.id == request_id)
        return found.may_decide, found.why_not

    assert item("rita", request) == (True, "")
    assert item("rob", request)[0] is False and "registered churn/2" in item("rob", request)[1]
    assert item("root", own)[0] is False and "requested approval" in item("root", own)[1]
    assert item("vic", request) == (False, "Deciding needs the reviewer or admin role.")
    assert item("carl", request)[0] is False


def test_decided_requests_page_newest_first(
    setup: tuple[ApprovalInbox, ApprovalService, PolicyService],
) -> None:
    inbox, approvals, _ = setup
    ids = []
    for n in range(5):
        ids.append(approvals.request("churn/1", f"t{n}", actor="carl").id)
        approvals.decide(ids[-1], "approve", actor="rita")
    first = inbox.inbox("vic", limit=2)
    assert [i.request.id for i in first.decided] == ids[::-1][:2] and first.more_decided
    last = inbox.inbox("vic", offset=4, limit=2)
    assert [i.request.id for i in last.decided] == [ids[0]] and not last.more_decided
    with pytest.raises(InvalidInputError):
        inbox.inbox("vic", offset=-1)
    with pytest.raises(InvalidInputError):
        inbox.inbox("vic", limit=0)
