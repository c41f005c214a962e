"""Governance through the SDK, embedded and remote, with sign-in on: tokens, approvals, guarded aliases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.core.errors import AuthenticationError, PermissionDeniedError, PolicyViolationError
from tests.servers import control_plane

POLICY = "name: prod\naliases: [champion]\ngates:\n  approvals: {role: reviewer, quorum: 1}\n"


@dataclass
class Installation:
    uri: str
    artifacts: str
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    folder = tmp_path_factory.mktemp("sdk-gov")
    uri, artifacts = f"sqlite:///{folder / 'server.db'}", str(folder / "artifacts")
    tokens = {}
    with Client(uri, artifacts=artifacts, actor="root", auth="on") as root:
        root.create_user("root", role="admin")
        tokens["admin"] = root.create_token("root").secret
        for name, role in (("ada", "contributor"), ("otto", "operator"), ("rita", "reviewer")):
            root.create_user(name, role=role)
            tokens[name] = root.create_token(name).secret
        root.publish_policy(POLICY)
    return Installation(uri, artifacts, tokens)


@pytest.fixture(scope="module")
def server_url(installation: Installation) -> Iterator[str]:
    folder = Path(installation.artifacts).parent
    with control_plane(folder, installation.uri, env={"STEWARD_AUTH": "on"}) as url:
        yield url


@pytest.fixture(params=["embedded", "remote"])
def signed_in(request: pytest.FixtureRequest, installation: Installation) -> Iterator[dict[str, Client]]:
    uri = installation.uri if request.param == "embedded" else request.getfixturevalue("server_url")
    clients = {
        who: Client(uri, artifacts=installation.artifacts, token=token, auth="on", actor="mallory")
        for who, token in installation.tokens.items()
    }
    yield clients
    for client in clients.values():
        client.close()


def test_the_token_decides_who_acts(signed_in: dict[str, Client], model: LogisticRegression) -> None:
    name = f"m-{uuid.uuid4().hex[:8]}"
    version = signed_in["ada"].register(model, name)
    assert version.created_by == "ada"  # not 'mallory', the claimed actor
    with pytest.raises(PermissionDeniedError, match="operator or admin"):
        signed_in["ada"].set_alias(name, "staging", version.version)


def test_a_guarded_alias_cannot_move_by_any_sdk_path_until_approved(
    signed_in: dict[str, Client], model: LogisticRegression
) -> None:
    name = f"m-{uuid.uuid4().hex[:8]}"
    ada, otto, rita = signed_in["ada"], signed_in["otto"], signed_in["rita"]
    with pytest.raises(PolicyViolationError) as refused:
        signed_in["admin"].register(model, name, aliases=["champion"])
    assert refused.value.unmet and "0 of 1 approval" in refused.value.unmet[0]
    version = ada.register(model, name)
    with pytest.raises(PolicyViolationError):
        otto.set_alias(name, "champion", version.version)
    check = otto.check_policy(version.ref, "champion")
    assert not check.passed and [g.gate for g in check.gates] == ["approvals"]
    request = ada.request_approval(version.ref, "champion", reason="better AUC")
    with pytest.raises(PermissionDeniedError, match="reviewer or admin"):
        ada.approve(request.id)
    approved = rita.approve(request.id, comment="reviewed the report")
    assert approved.approvers == ("rita",)
    moved = otto.set_alias(name, "champion", version.version, reason="approved")
    assert moved.version == version.version and moved.actor == "otto"
    assert otto.verify_audit().ok
    assert otto.alias_at_time(f"{name}@champion", moved.at).version == version.version


def test_a_bad_token_is_refused(installation: Installation, request: pytest.FixtureRequest) -> None:
    with pytest.raises(AuthenticationError):
        Client(installation.uri, artifacts=installation.artifacts, token="stw_wrong", auth="on")
    url = request.getfixturevalue("server_url")
    with Client(url, token="stw_wrong") as client, pytest.raises(AuthenticationError, match="not valid"):
        client.list_users()
