"""Contract: deployments and their revisions, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.core.deployment import Batching, DeploymentSpec, Route
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.store import SqlStore

from .builders import T0, day

A = DeploymentSpec(routes=(Route("churn@champion", 90), Route("churn/7", 10)), shadows=("churn/8",))
B = DeploymentSpec(
    routes=(Route("churn/7", 100),),
    sticky_header="X-User",
    fallback="churn/1",
    batching=Batching(enabled=True, max_batch_size=16, max_wait_ms=2.5),
    log_sample_rate=0.25,
    description="all on seven",
)


def test_create_append_and_read_back(store: SqlStore) -> None:
    with store.write() as tx:
        first = tx.deployments.create("churn-api", A, actor="alice", at=day(1), reason="launch")
        second = tx.deployments.append_revision("churn-api", B, actor="bob", at=day(2), reason="all in")
    assert (first.name, first.revision, first.created_by) == ("churn-api", 1, "alice")
    assert first.created_at == day(1)
    assert first.spec == A.checked() and first.reason == "launch"
    assert (second.revision, second.spec, second.created_by) == (2, B.checked(), "bob")
    with store.read() as tx:
        assert tx.deployments.get("churn-api") == second
        assert tx.deployments.get("churn-api", 1) == first
        assert tx.deployments.history("churn-api") == [first, second]
        assert tx.deployments.list() == [second]


def test_list_is_by_name_at_the_current_revision(store: SqlStore) -> None:
    with store.write() as tx:
        for name in ("zeta", "alpha", "mid"):
            tx.deployments.create(name, A, actor="a", at=T0, reason="")
        tx.deployments.append_revision("mid", B, actor="a", at=day(1), reason="")
    with store.read() as tx:
        listed = tx.deployments.list()
    assert [(d.name, d.revision, d.spec) for d in listed] == [
        ("alpha", 1, A),
        ("mid", 2, B),
        ("zeta", 1, A),
    ]


def test_errors(store: SqlStore) -> None:
    with store.write() as tx:
        tx.deployments.create("churn-api", A, actor="a", at=T0, reason="")
        with pytest.raises(ConflictError, match=r"^Deployment 'churn-api' already exists"):
            tx.deployments.create("churn-api", B, actor="a", at=T0, reason="")
        # the transaction is still usable after the refused insert
        tx.deployments.append_revision("churn-api", B, actor="a", at=T0, reason="")
        with pytest.raises(NotFoundError, match=r"^No deployment named 'nope'"):
            tx.deployments.append_revision("nope", A, actor="a", at=T0, reason="")
        with pytest.raises(InvalidInputError, match="Invalid deployment name"):
            tx.deployments.create("Bad Name", A, actor="a", at=T0, reason="")
        with pytest.raises(InvalidInputError, match="add up to 50"):
            half = DeploymentSpec((Route("churn/1", 50),))
            tx.deployments.create("half", half, actor="a", at=T0, reason="")
        with pytest.raises(InvalidInputError, match="NUL"):
            tx.deployments.create("nul", A, actor="a\x00", at=T0, reason="")
    with store.read() as tx:
        with pytest.raises(NotFoundError, match=r"'churn-api' has no revision 3 \(current is 2\)"):
            tx.deployments.get("churn-api", 3)
        for name in ("nope", "Bad Name", "x\x00y", "a" * 300):
            with pytest.raises(NotFoundError, match="No deployment named"):
                tx.deployments.get(name)
            with pytest.raises(NotFoundError, match="No deployment named"):
                tx.deployments.history(name)
        assert [d.name for d in tx.deployments.list()] == ["churn-api"]


def test_a_rolled_back_revision_gives_its_number_back(store: SqlStore) -> None:
    with store.write() as tx:
        tx.deployments.create("churn-api", A, actor="a", at=T0, reason="")
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.deployments.append_revision("churn-api", B, actor="a", at=T0, reason="")
        raise RuntimeError("changed my mind")
    with store.write() as tx:
        assert tx.deployments.append_revision("churn-api", B, actor="a", at=T0, reason="").revision == 2


def test_concurrent_writers_get_gap_free_revisions(store: SqlStore) -> None:
    with store.write() as tx:
        tx.deployments.create("busy", A, actor="a", at=T0, reason="")

    def append(worker: int) -> list[int]:
        numbers = []
        for i in range(5):
            with store.write() as tx:
                spec = A if (worker + i) % 2 else B
                made = tx.deployments.append_revision("busy", spec, actor=f"w{worker}", at=T0, reason="")
                numbers.append(made.revision)
        return numbers

    with ThreadPoolExecutor(6) as pool:
        taken = [n for numbers in pool.map(append, range(6)) for n in numbers]
    assert sorted(taken) == list(range(2, 32))
    with store.read() as tx:
        assert [d.revision for d in tx.deployments.history("busy")] == list(range(1, 32))
        assert tx.deployments.get("busy").revision == 31


refs = st.builds(
    lambda model, pin, n: f"{model}/{n}" if pin else f"{model}@a{n}",
    st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True),
    st.booleans(),
    st.integers(1, 10_000),
)
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)


@st.composite
def specs(draw: st.DrawFn) -> DeploymentSpec:
    chosen = draw(st.lists(refs, min_size=1, max_size=4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(chosen) - 1, max_size=len(chosen) - 1)))
    weights = [b - a for a, b in itertools.pairwise([0, *cuts, 100])]
    rest = [r for r in draw(st.lists(refs, max_size=3, unique=True)) if r not in chosen]
    return DeploymentSpec(
        routes=tuple(Route(r, float(w)) for r, w in zip(chosen, weights, strict=True)),
        shadows=tuple(rest[:2]),
        sticky_header=draw(st.none() | st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True)),
        fallback=rest[2] if len(rest) > 2 else None,
        batching=Batching(draw(st.booleans()), draw(st.integers(1, 4096)), draw(st.floats(0, 1000))),
        log_sample_rate=draw(st.floats(0, 1)),
        description=draw(texts),
    )


names = (f"d{i}" for i in itertools.count())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_specs_round_trip_exactly(store: SqlStore, spec: DeploymentSpec) -> None:
    name = next(names)
    with store.write() as tx:
        made = tx.deployments.create(name, spec, actor="a", at=T0, reason="")
    with store.read() as tx:
        got = tx.deployments.get(name)
    assert got == made
    assert got.spec == spec.checked()
    assert [repr(r.weight) for r in got.spec.routes] == [repr(float(r.weight)) for r in spec.routes]
