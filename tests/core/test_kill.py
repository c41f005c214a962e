"""The kill switches applied to a resolved deployment: pure rules, no store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from steward.core.deployment import (
    Deployment,
    DeploymentSpec,
    ResolvedDeployment,
    ResolvedRoute,
    Route,
    with_kill_switches,
)
from steward.core.lineage import Lineage
from steward.core.registry import ModelVersion

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def version(number: int) -> ModelVersion:
    return ModelVersion(
        model="churn", version=number, artifact_digest=f"{number:064d}", flavor="python", signature=None,
        metrics={}, params={}, tags={}, description="", lineage=Lineage(), created_by="a", created_at=T0,
    )  # fmt: skip


def resolved(killed: str | None = None, fallback: bool = True) -> ResolvedDeployment:
    spec = DeploymentSpec(
        (Route("churn/1", 90), Route("churn/2", 10)),
        shadows=("churn/3",),
        fallback="churn/4" if fallback else None,
        killed=killed,
    )
    deployment = Deployment("api", 1, spec, "a", T0)
    routes = (ResolvedRoute("churn/1", 90, version(1)), ResolvedRoute("churn/2", 10, version(2)))
    return ResolvedDeployment(deployment, routes, (version(3),), version(4) if fallback else None)


def test_nothing_killed_changes_nothing() -> None:
    assert with_kill_switches(resolved(), {}) == resolved()


def test_a_stopped_deployment_is_served_by_its_fallback_alone_or_not_at_all() -> None:
    served = with_kill_switches(resolved("incident"), {})
    assert [(r.ref, r.weight, r.version.ref) for r in served.routes] == [("churn/4", 100.0, "churn/4")]
    assert served.shadows == () and served.stopped is None
    alone = with_kill_switches(resolved("incident", fallback=False), {})
    assert (alone.routes, alone.stopped) == ((), "incident")
    killed_fallback = with_kill_switches(resolved("incident"), {"churn/4": "bad"})
    assert (killed_fallback.routes, killed_fallback.stopped) == ((), "incident")


def test_a_killed_version_goes_to_the_fallback_or_leaves() -> None:
    served = with_kill_switches(resolved(), {"churn/2": "bad", "churn/3": "bad"})
    assert [(r.ref, r.version.ref) for r in served.routes] == [("churn/1", "churn/1"), ("churn/2", "churn/4")]
    assert served.shadows == ()
    left = with_kill_switches(resolved(fallback=False), {"churn/2": "bad"})
    assert [r.version.ref for r in left.routes] == ["churn/1"] and left.stopped is None
    gone = with_kill_switches(resolved(fallback=False), {"churn/1": "bad", "churn/2": "worse"})
    assert gone.routes == () and gone.stopped is not None and "churn/2" in gone.stopped
    assert gone.marker != replace(gone, stopped=None).marker
