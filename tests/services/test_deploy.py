"""The deployment service on a real SQLite store: revisions, audit, refs that must resolve."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from steward.core.deployment import Batching, DeploymentSpec, Route
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.services.deploy import DeploymentService
from steward.store import SqlStore, open_store
from tests.store.builders import T0, create, draft, register


class Clock:
    """Each call one second later than the last."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlStore]:
    """``churn`` versions 1-3 with champion -> 1, and ``fraud`` version 1."""
    opened = open_store(sqlite_url)
    with opened.write() as tx:
        create(tx, "churn")
        for i in range(3):
            register(tx, draft("churn", i))
        tx.models.set_alias("churn", "champion", 1, actor="a", at=T0, reason="")
        create(tx, "fraud")
        register(tx, draft("fraud", 9))
    yield opened
    opened.close()


@pytest.fixture
def service(store: SqlStore) -> DeploymentService:
    return DeploymentService(store, Clock())


def spec(routes: dict[str, float], **options: object) -> DeploymentSpec:
    return DeploymentSpec(tuple(Route(r, w) for r, w in routes.items()), **options)  # type: ignore[arg-type]


CANARY = spec({"churn@champion": 90, "churn/2": 10}, shadows=("churn/3",), fallback="fraud/1")


def audit(store: SqlStore) -> list[tuple[str, str, str]]:
    with store.read() as tx:
        return [(e.action, e.target, e.reason) for e in tx.audit.list(limit=1000)]


def test_create_update_and_history(service: DeploymentService, store: SqlStore) -> None:
    before = len(audit(store))
    created = service.create("churn-api", CANARY, actor="alice", reason="launch")
    assert (created.revision, created.created_by, created.reason) == (1, "alice", "launch")
    assert created.spec == CANARY.checked()
    updated = service.update("churn-api", spec({"churn@champion": 50, "churn/2": 50}), actor="bob")
    assert updated.revision == 2 and updated.created_by == "bob"
    assert updated.spec.shadows == () and updated.created_at > created.created_at
    assert service.get("churn-api") == updated
    assert service.get("churn-api", 1) == created
    assert service.history("churn-api") == [created, updated]
    assert service.list() == [updated]
    assert audit(store)[before:] == [
        ("deployment.create", "churn-api", "launch"),
        ("deployment.update", "churn-api", ""),
    ]
    with store.read() as tx:
        event = tx.audit.list(action="deployment.update")[0]
    assert event.before == created.spec.to_dict() and event.after == updated.spec.to_dict()
    assert event.details == {"revision": 2, "previous_revision": 1}
    assert (event.actor, event.target_type, event.at) == ("bob", "deployment", updated.created_at)


def test_an_unchanged_spec_writes_nothing(service: DeploymentService, store: SqlStore) -> None:
    created = service.create("churn-api", CANARY, actor="a")
    before = audit(store)
    assert service.update("churn-api", CANARY, actor="b") == created
    assert service.set_weights("churn-api", CANARY.routes, actor="b") == created
    assert audit(store) == before


def test_rollback_is_a_new_revision_with_the_previous_spec(
    service: DeploymentService, store: SqlStore
) -> None:
    service.create("churn-api", CANARY, actor="a")
    with pytest.raises(ConflictError, match="at revision 1: there is no earlier revision"):
        service.rollback("churn-api", actor="a")
    service.update("churn-api", spec({"churn/3": 100}), actor="a")
    back = service.rollback("churn-api", actor="carol")
    assert (back.revision, back.spec, back.reason) == (3, CANARY.checked(), "rollback")
    assert back.created_by == "carol"
    again = service.rollback("churn-api", actor="carol", reason="undo the undo")
    assert again.revision == 4 and again.spec.routes == (Route("churn/3", 100.0),)
    assert [a for a, _, _ in audit(store)].count("deployment.rollback") == 2


def test_promote_sends_all_traffic_to_one_route(service: DeploymentService, store: SqlStore) -> None:
    service.create("churn-api", CANARY, actor="a")
    promoted = service.promote("churn-api", "churn/2", actor="a", reason="canary is good")
    assert promoted.spec.routes == (Route("churn/2", 100.0),)
    assert promoted.spec.shadows == ("churn/3",) and promoted.spec.fallback == "fraud/1"
    assert audit(store)[-1] == ("deployment.promote", "churn-api", "canary is good")
    with pytest.raises(InvalidInputError, match="churn/3 is not a route of this deployment"):
        service.promote("churn-api", "churn/3", actor="a")


def test_set_weights_keeps_the_rest(service: DeploymentService) -> None:
    service.create("churn-api", CANARY, actor="a")
    changed = service.set_weights("churn-api", [Route("churn@champion", 25), Route("churn/1", 75)], actor="a")
    assert changed.revision == 2
    assert changed.spec.routes == (Route("churn@champion", 25.0), Route("churn/1", 75.0))
    assert (changed.spec.shadows, changed.spec.fallback) == (("churn/3",), "fraud/1")


def test_resolve_follows_aliases(service: DeploymentService, store: SqlStore) -> None:
    service.create("churn-api", CANARY, actor="a")
    first = service.resolve("churn-api")
    assert [(r.ref, r.weight, r.version.ref) for r in first.routes] == [
        ("churn@champion", 90.0, "churn/1"),
        ("churn/2", 10.0, "churn/2"),
    ]
    assert [v.ref for v in first.shadows] == ["churn/3"]
    assert first.fallback is not None and first.fallback.ref == "fraud/1"
    with store.write() as tx:
        tx.models.set_alias("churn", "champion", 3, actor="a", at=T0, reason="")
    moved = service.resolve("churn-api")
    assert moved.routes[0].version.ref == "churn/3"
    assert moved.deployment.revision == first.deployment.revision == 1
    assert moved.marker != first.marker
    assert service.resolve("churn-api").marker == moved.marker


def test_resolve_names_a_ref_that_no_longer_resolves(service: DeploymentService, store: SqlStore) -> None:
    service.create("churn-api", spec({"churn@champion": 100}), actor="a")
    with store.write() as tx:
        tx.models.set_alias("churn", "champion", None, actor="a", at=T0, reason="")
    with pytest.raises(NotFoundError, match=r"^Route churn@champion does not resolve: .*no alias 'champion'"):
        service.resolve("churn-api")


@pytest.mark.parametrize(
    ("bad", "error", "fragment"),
    [
        (spec({"churn@nosuch": 100}), NotFoundError, "Route churn@nosuch does not resolve"),
        (spec({"churn/9": 100}), NotFoundError, "no version 9 (latest is 3)"),
        (spec({"ghost/1": 100}), NotFoundError, "No model named 'ghost'"),
        (spec({"churn/1": 100}, shadows=("churn@nosuch",)), NotFoundError, "Shadow churn@nosuch"),
        (spec({"churn/1": 100}, fallback="fraud/2"), NotFoundError, "Fallback fraud/2"),
        (spec({"churn": 100}), InvalidInputError, "not just a model"),
        (spec({"churn/1": 60, "churn/2": 30}), InvalidInputError, "add up to 90"),
        (spec({"churn/1": 110, "churn/2": -10}), InvalidInputError, "outside 0-100"),
        (spec({"churn/1": 100}, shadows=("churn/1",)), InvalidInputError, "both a route and a shadow"),
        (spec({"churn/1": 100}, sticky_header="bad header"), InvalidInputError, "sticky header"),
        (spec({"churn/1": 100}, log_sample_rate=2), InvalidInputError, "log_sample_rate"),
        (spec({"churn/1": 100}, batching=Batching(True, 0)), InvalidInputError, "max_batch_size"),
        (spec({}), InvalidInputError, "at least one route"),
        ("churn/1", InvalidInputError, "must be a DeploymentSpec"),
    ],
)
def test_bad_specs_are_refused_and_write_nothing(
    service: DeploymentService, store: SqlStore, bad: DeploymentSpec, error: type[Exception], fragment: str
) -> None:
    service.create("churn-api", CANARY, actor="a")
    before = audit(store)
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        service.create("other", bad, actor="a")
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        service.update("churn-api", bad, actor="a")
    assert audit(store) == before
    assert service.get("churn-api").revision == 1
    assert [d.name for d in service.list()] == ["churn-api"]


def test_names_revisions_and_reasons_are_checked(service: DeploymentService) -> None:
    service.create("churn-api", CANARY, actor="a")
    with pytest.raises(ConflictError, match="already exists"):
        service.create("churn-api", CANARY, actor="a")
    with pytest.raises(InvalidInputError, match="Invalid deployment name"):
        service.create("Churn API", CANARY, actor="a")
    with pytest.raises(InvalidInputError, match="Invalid deployment name"):
        service.get("-x")
    with pytest.raises(NotFoundError, match="No deployment named 'nope'"):
        service.update("nope", CANARY, actor="a")
    with pytest.raises(NotFoundError, match="No deployment named 'nope'"):
        service.resolve("nope")
    with pytest.raises(NotFoundError, match=r"has no revision 5 \(current is 1\)"):
        service.get("churn-api", 5)
    for revision in (0, -1, True, "2"):
        with pytest.raises(InvalidInputError, match="Invalid revision"):
            service.get("churn-api", revision)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="reason"):
        service.rollback("churn-api", actor="a", reason="x" * 1001)
    with pytest.raises(InvalidInputError, match="Routes must be Route values"):
        service.set_weights("churn-api", [("churn/1", 100)], actor="a")  # type: ignore[list-item]
    assert service.history("churn-api")[-1].revision == 1


@pytest.fixture
def shared(store_url: str) -> Iterator[DeploymentService]:
    """The service on SQLite and PostgreSQL, with ``churn`` versions 1-3 and deployment ``busy``."""
    opened = open_store(store_url)
    with opened.write() as tx:
        create(tx, "churn")
        for i in range(3):
            register(tx, draft("churn", i))
    service = DeploymentService(opened)
    service.create("busy", spec({"churn/1": 100}), actor="a")
    yield service
    opened.close()


def test_concurrent_changes_keep_an_exact_audit_chain(shared: DeploymentService) -> None:
    """Changes read the current revision under its row lock: each "before" is the revision before."""
    choices = [spec({"churn/1": 100}), spec({"churn/2": 100}), spec({"churn/1": 50, "churn/3": 50})]

    def work(worker: int) -> None:
        for i in range(6):
            if i % 3 == 2:  # after this worker's own updates: never at revision 1
                shared.rollback("busy", actor=f"w{worker}")
            else:
                shared.update("busy", choices[(worker * 7 + i) % 3], actor=f"w{worker}")

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(work, range(5)))
    history = shared.history("busy")
    assert [d.revision for d in history] == list(range(1, len(history) + 1))
    with shared.store.read() as tx:
        events = [e for e in tx.audit.list(limit=1000) if e.target_type == "deployment"]
    assert len(events) == len(history)
    for event, revision in zip(events, history, strict=True):
        assert event.details["revision"] == revision.revision
        assert event.after == revision.spec.to_dict()
        if revision.revision > 1:
            assert event.before == history[revision.revision - 2].spec.to_dict()
            assert event.before != event.after
