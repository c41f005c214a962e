"""The kill switch in the deployment service, on SQLite and PostgreSQL, with auth on.

Only operators and admins may stop or revive a deployment (viewers and
contributors are refused and nothing is written); a reason is required; each
change is a revision with its audit event; ``resolve`` answers with the
fallback, or with no routes and the reason when there is none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.app import Steward
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from steward.settings import Settings


@pytest.fixture
def app(store_url: str, tmp_path: Path) -> Iterator[Steward]:
    """``churn`` versions 1 and 2; ``api`` routes to churn/1 with fallback churn/2, ``bare`` has none."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    y = (x["a"] > 0).astype(int)
    settings = Settings.resolve(
        store_url, artifacts=str(tmp_path / "artifacts"), env={"STEWARD_HOME": str(tmp_path / "home")}
    )
    with Client(settings=settings, actor="carl") as client:  # before auth is turned on
        for c in (1.0, 0.1):
            client.register(LogisticRegression(C=c).fit(x, y), "churn", input_example=x.head(3))
        client.create_deployment("api", "churn/1", fallback="churn/2")
        client.create_deployment("bare", "churn/1")
    with Steward.open(replace(settings, auth="on")) as opened:
        opened.identities.create_user("root", actor="bootstrap", role="admin")
        for user, role in [("vic", "viewer"), ("carl", "contributor"), ("olga", "operator")]:
            opened.identities.create_user(user, actor="root", role=role)
        yield opened


def audit(app: Steward) -> list[tuple[str, str, str, str]]:
    with app.store.read() as tx:
        return [(e.action, e.target, e.actor, e.reason) for e in tx.audit.list(limit=10_000)]


@pytest.mark.parametrize("actor", ["vic", "carl"])
def test_viewers_and_contributors_may_not_kill_or_revive(app: Steward, actor: str) -> None:
    before = audit(app)
    with pytest.raises(PermissionDeniedError, match=actor):
        app.deployments.kill("api", actor=actor, reason="incident 42")
    assert app.deployments.get("api").revision == 1
    app.deployments.kill("api", actor="olga", reason="incident 42")
    with pytest.raises(PermissionDeniedError, match=actor):
        app.deployments.revive("api", actor=actor, reason="fixed")
    with pytest.raises(PermissionDeniedError, match=actor):  # nor through a plain update
        app.deployments.update("api", app.deployments.get("api", 1).spec, actor=actor, reason="sneak")
    assert app.deployments.get("api").spec.killed == "incident 42"
    assert len(audit(app)) == len(before) + 1


def test_an_operator_kills_with_fallback_and_revives(app: Steward) -> None:
    killed = app.deployments.kill("api", actor="olga", reason="scores drifted")
    assert (killed.revision, killed.spec.killed, killed.created_by) == (2, "scores drifted", "olga")
    resolved = app.deployments.resolve("api")
    assert [(r.version.ref, r.weight) for r in resolved.routes] == [("churn/2", 100.0)]
    assert resolved.stopped is None and resolved.shadows == ()
    revived = app.deployments.revive("api", actor="root", reason="retrained")
    assert revived.revision == 3 and revived.spec == app.deployments.get("api", 1).spec
    assert [r.version.ref for r in app.deployments.resolve("api").routes] == ["churn/1"]
    assert [h.reason for h in app.deployments.history("api")] == ["", "scores drifted", "retrained"]
    assert audit(app)[-2:] in (
        [
            ("deployment.kill", "api", "olga", "scores drifted"),
            ("deployment.revive", "api", "root", "retrained"),
        ],
        [
            ("deployment.revive", "api", "root", "retrained"),
            ("deployment.kill", "api", "olga", "scores drifted"),
        ],
    )


def test_without_a_fallback_resolve_says_stopped(app: Steward) -> None:
    app.deployments.kill("bare", actor="olga", reason="leaking PII")
    resolved = app.deployments.resolve("bare")
    assert resolved.routes == () and resolved.stopped == "leaking PII"
    assert resolved.marker != app.deployments.resolve("api").marker


def test_a_rollback_of_the_kill_revives(app: Steward) -> None:
    app.deployments.kill("bare", actor="olga", reason="leaking PII")
    rolled = app.deployments.rollback("bare", actor="olga", reason="false alarm")
    assert rolled.spec.killed is None and app.deployments.resolve("bare").stopped is None


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_reason_is_required(app: Steward, reason: str) -> None:
    with pytest.raises(InvalidInputError, match="reason"):
        app.deployments.kill("api", actor="olga", reason=reason)
    app.deployments.kill("api", actor="olga", reason="incident")
    with pytest.raises(InvalidInputError, match="reason"):
        app.deployments.revive("api", actor="olga", reason=reason)
    assert app.deployments.get("api").revision == 2


def test_unknown_and_repeated(app: Steward) -> None:
    with pytest.raises(NotFoundError):
        app.deployments.kill("nope", actor="olga", reason="incident")
    with pytest.raises(ConflictError, match="not stopped"):
        app.deployments.revive("api", actor="olga", reason="ok")
    app.deployments.kill("api", actor="olga", reason="incident")
    with pytest.raises(ConflictError, match="already stopped"):
        app.deployments.kill("api", actor="olga", reason="again")
    assert app.deployments.get("api").revision == 2


def test_only_operators_kill_a_version_and_it_is_audited(app: Steward) -> None:
    before = audit(app)
    for actor in ("vic", "carl"):
        with pytest.raises(PermissionDeniedError, match=actor):
            app.deployments.kill_version("churn/1", actor=actor, reason="bad weights")
    assert app.deployments.killed_versions() == [] and audit(app) == before
    killed = app.deployments.kill_version("churn/1", actor="olga", reason="bad weights")
    assert (killed.ref, killed.reason, killed.killed_by) == ("churn/1", "bad weights", "olga")
    assert app.deployments.killed_versions() == [killed]
    assert ("version.kill", "churn/1", "olga", "bad weights") in audit(app)
    with pytest.raises(ConflictError, match="already stopped"):
        app.deployments.kill_version("churn/1", actor="olga", reason="again")
    with pytest.raises(PermissionDeniedError, match="carl"):
        app.deployments.revive_version("churn/1", actor="carl", reason="fine")
    app.deployments.revive_version("churn/1", actor="root", reason="fine")
    assert app.deployments.killed_versions() == []
    assert ("version.revive", "churn/1", "root", "fine") in audit(app)
    with pytest.raises(ConflictError, match="nothing to revive"):
        app.deployments.revive_version("churn/1", actor="root", reason="fine")


def test_a_killed_version_stops_being_served_by_every_deployment(app: Steward) -> None:
    app.deployments.kill_version("churn/1", actor="olga", reason="bad weights")
    api = app.deployments.resolve("api")  # falls back to churn/2
    assert [(r.ref, r.version.ref) for r in api.routes] == [("churn/1", "churn/2")] and api.stopped is None
    bare = app.deployments.resolve("bare")  # nothing left: stopped
    assert bare.routes == () and bare.stopped is not None and "churn/1" in bare.stopped
    app.deployments.kill_version("churn/2", actor="olga", reason="also bad")  # the fallback too
    assert app.deployments.resolve("api").routes == ()
    app.deployments.revive_version("churn/1", actor="olga", reason="fine")
    assert [r.version.ref for r in app.deployments.resolve("bare").routes] == ["churn/1"]


@pytest.mark.parametrize(
    ("ref", "reason", "error"),
    [
        ("churn/9", "x", NotFoundError),
        ("ghost/1", "x", NotFoundError),
        ("churn", "x", InvalidInputError),
        ("churn/1", "", InvalidInputError),
    ],
)
def test_version_bad_input(app: Steward, ref: str, reason: str, error: type[Exception]) -> None:
    before = audit(app)
    with pytest.raises(error):
        app.deployments.kill_version(ref, actor="olga", reason=reason)
    assert audit(app) == before and app.deployments.killed_versions() == []
