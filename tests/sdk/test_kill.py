"""The kill switch through the SDK: the same results and errors embedded and against a control plane."""

from __future__ import annotations

import pytest

from steward import Client, ConflictError, InvalidInputError, NotFoundError


def test_kill_and_revive(client: Client, name: str, model: object) -> None:
    for _ in range(2):
        client.register(model, name, capture_code=False)
    client.create_deployment(name, f"{name}/1", fallback=f"{name}/2")
    killed = client.kill_deployment(name, reason="incident 42")
    assert (killed.revision, killed.spec.killed, killed.created_by) == (2, "incident 42", "alice")
    resolved = client.resolve_deployment(name)
    assert [r.version.ref for r in resolved.routes] == [f"{name}/2"] and resolved.stopped is None
    with pytest.raises(ConflictError, match="already stopped"):
        client.kill_deployment(name, reason="again")
    revived = client.revive_deployment(name, reason="fixed")
    assert revived.spec.killed is None and revived.revision == 3

    client.update_deployment(name, f"{name}/1")
    client.kill_deployment(name, reason="leak")
    resolved = client.resolve_deployment(name)
    assert resolved.routes == () and resolved.stopped == "leak"


def test_bad_input(client: Client, name: str, model: object) -> None:
    client.register(model, name, capture_code=False)
    client.create_deployment(name, f"{name}/1")
    with pytest.raises(InvalidInputError, match="needs a reason"):
        client.kill_deployment(name, reason="")
    with pytest.raises(NotFoundError):
        client.kill_deployment("nope-x", reason="x")
    with pytest.raises(ConflictError, match="nothing to revive"):
        client.revive_deployment(name, reason="x")
    assert client.get_deployment(name).revision == 1


def test_kill_a_version(client: Client, name: str, model: object) -> None:
    for _ in range(2):
        client.register(model, name, capture_code=False)
    client.set_alias(name, "champion", 1)
    client.create_deployment(name, f"{name}@champion", fallback=f"{name}/2")
    killed = client.kill_version(f"{name}@champion", reason="bad weights")
    assert (killed.ref, killed.reason, killed.killed_by) == (f"{name}/1", "bad weights", "alice")
    assert killed in client.killed_versions()
    assert [r.version.ref for r in client.resolve_deployment(name).routes] == [f"{name}/2"]
    with pytest.raises(ConflictError, match="already stopped"):
        client.kill_version(f"{name}/1", reason="again")
    assert client.revive_version(f"{name}/1", reason="fine") == killed
    assert killed not in client.killed_versions()
    assert [r.version.ref for r in client.resolve_deployment(name).routes] == [f"{name}/1"]
    with pytest.raises(NotFoundError):
        client.kill_version(f"{name}/9", reason="x")
    with pytest.raises(InvalidInputError, match="needs a reason"):
        client.kill_version(f"{name}/1", reason=" ")
