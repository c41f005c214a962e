"""Deployments through the SDK: the same results and errors embedded and against a control plane."""

from __future__ import annotations

import pytest

from steward import Client, ConflictError, InvalidInputError, NotFoundError
from steward.core.deployment import Batching, DeploymentSpec, Route


@pytest.fixture
def versions(client: Client, name: str, model: object) -> str:
    """Model *name* with versions 1-3 and champion -> 1."""
    for _ in range(3):
        client.register(model, name, capture_code=False)
    client.set_alias(name, "champion", 1)
    return name


def test_create_change_and_read(client: Client, versions: str) -> None:
    n = versions
    created = client.create_deployment(
        n,
        {f"{n}@champion": 90, f"{n}/2": 10},
        shadows=[f"{n}/3"],
        sticky_header="X-Customer",
        batching=Batching(enabled=True, max_batch_size=16, max_wait_ms=3),
        log_sample_rate=0.5,
        description="canary",
        reason="launch",
    )
    assert (created.name, created.revision, created.created_by, created.reason) == (n, 1, "alice", "launch")
    assert created.spec.routes == (Route(f"{n}@champion", 90.0), Route(f"{n}/2", 10.0))
    assert created.spec.batching == Batching(True, 16, 3)
    assert client.get_deployment(n) == created

    updated = client.update_deployment(n, [Route(f"{n}@champion", 50), Route(f"{n}/2", 50)], reason="split")
    assert updated.revision == 2 and updated.spec.shadows == () and updated.spec.batching == Batching()
    promoted = client.promote_deployment(n, f"{n}/2", reason="canary wins")
    assert promoted.spec.routes == (Route(f"{n}/2", 100.0),)
    back = client.rollback_deployment(n)
    assert (back.revision, back.spec, back.reason) == (4, updated.spec, "rollback")
    assert [d.revision for d in client.deployment_history(n)] == [1, 2, 3, 4]
    assert client.get_deployment(n, revision=1) == created
    assert n in [d.name for d in client.list_deployments()]
    same = client.update_deployment(n, DeploymentSpec(updated.spec.routes))
    assert same == back  # nothing changed, nothing written
    actions = [e.action for e in client.audit(target=n).items if e.target_type == "deployment"]
    assert actions == ["deployment.create", "deployment.update", "deployment.promote", "deployment.rollback"]


def test_resolve_follows_the_alias(client: Client, versions: str) -> None:
    n = versions
    client.create_deployment(n, f"{n}@champion", fallback=f"{n}/3")
    first = client.resolve_deployment(n)
    assert [(r.ref, r.weight, r.version.ref) for r in first.routes] == [(f"{n}@champion", 100.0, f"{n}/1")]
    assert first.routes[0].version == client.get(f"{n}/1")
    assert first.fallback is not None and first.fallback.ref == f"{n}/3"
    client.set_alias(n, "champion", 2)
    moved = client.resolve_deployment(n)
    assert moved.routes[0].version.ref == f"{n}/2"
    assert moved.marker != first.marker and moved.deployment == first.deployment


def test_errors_are_the_same_either_way(client: Client, versions: str) -> None:
    n = versions
    client.create_deployment(n, {f"{n}/1": 100})
    before = len(client.audit(max_results=1000).items)
    cases = [
        (lambda: client.create_deployment(n, {f"{n}/1": 100}), ConflictError, "already exists"),
        (lambda: client.create_deployment("Bad Name", f"{n}/1"), InvalidInputError, "Invalid deployment"),
        (lambda: client.create_deployment(f"x-{n}", {f"{n}/1": 70}), InvalidInputError, "add up to 70"),
        (lambda: client.create_deployment(f"x-{n}", {f"{n}/1": -5, f"{n}/2": 105}), InvalidInputError,
         "0-100"),
        (lambda: client.create_deployment(f"x-{n}", f"{n}@ghost"), NotFoundError, f"{n}@ghost does not"),
        (lambda: client.create_deployment(f"x-{n}", f"{n}/9"), NotFoundError, "no version 9 (latest is 3)"),
        (lambda: client.create_deployment(f"x-{n}", n), InvalidInputError, "not just a model"),
        (lambda: client.create_deployment(f"x-{n}", 5), InvalidInputError, "routes is a ref"),  # type: ignore[arg-type]
        (lambda: client.create_deployment(f"x-{n}", DeploymentSpec((Route(f"{n}/1", 100),)),
                                          shadows=[f"{n}/2"]), InvalidInputError, "not both"),
        (lambda: client.update_deployment(f"nope-{n}", f"{n}/1"), NotFoundError, "No deployment named"),
        (lambda: client.get_deployment(f"nope-{n}"), NotFoundError, "No deployment named"),
        (lambda: client.get_deployment(n, 7), NotFoundError, "has no revision 7 (current is 1)"),
        (lambda: client.get_deployment(n, 0), InvalidInputError, "Invalid revision 0"),
        (lambda: client.deployment_history(f"nope-{n}"), NotFoundError, "No deployment named"),
        (lambda: client.rollback_deployment(n), ConflictError, "no earlier revision"),
        (lambda: client.promote_deployment(n, f"{n}/2"), InvalidInputError, "is not a route"),
        (lambda: client.resolve_deployment(f"nope-{n}"), NotFoundError, "No deployment named"),
    ]  # fmt: skip
    for call, error, fragment in cases:
        with pytest.raises(error) as info:
            call()
        assert fragment in str(info.value), (fragment, str(info.value))
        assert type(info.value) is error
    assert len(client.audit(max_results=1000).items) == before
    assert client.get_deployment(n).revision == 1
