"""Point-in-time questions answered from alias history and deployment revisions, on both backends."""

from __future__ import annotations

from datetime import timedelta

from steward.core.deployment import DeploymentSpec, Route
from steward.services.audit import AuditService
from steward.services.deploy import DeploymentService
from steward.services.registry import RegistryService
from steward.store import SqlStore
from tests.services.test_governance import Clock
from tests.store.builders import T0, create, draft, register


def test_what_a_deployment_served_and_an_alias_meant_at_a_time(store: SqlStore, tmp_path: object) -> None:
    from steward.artifacts import open_artifact_store

    clock = Clock()
    registry = RegistryService(store, open_artifact_store(str(tmp_path)), clock)
    deployments = DeploymentService(store, clock)
    with store.write() as tx:
        create(tx, "churn")
        for i in range(3):
            register(tx, draft("churn", i))
    registry.set_alias("churn", "champion", 1, actor="a")  # T0+1s
    deployments.create(
        "churn-api", DeploymentSpec((Route("churn@champion", 90), Route("churn/3", 10))), actor="o"
    )  # T0+2s
    registry.set_alias("churn", "champion", 2, actor="b", reason="better")  # T0+3s
    deployments.update("churn-api", DeploymentSpec((Route("churn@champion", 100),)), actor="o")  # T0+4s
    audit = AuditService(store)

    early = audit.deployment_at("churn-api", T0 + timedelta(seconds=2, milliseconds=500))
    assert early.revision is not None and early.revision.revision == 1
    assert [(r.ref, r.weight, r.version) for r in early.routes] == [
        ("churn@champion", 90, 1),
        ("churn/3", 10, 3),
    ]
    later = audit.deployment_at("churn-api", T0 + timedelta(seconds=5))
    assert later.revision is not None and later.revision.revision == 2
    assert [(r.ref, r.version) for r in later.routes] == [("churn@champion", 2)]
    assert audit.deployment_at("churn-api", T0).revision is None

    then = audit.alias_at("churn", "champion", T0 + timedelta(seconds=3))
    assert then.version == 2 and then.event is not None and then.event.reason == "better"
    assert audit.alias_at("churn", "champion", T0).version is None
    assert audit.verify().ok
