"""Property: tags, metrics and params come back exactly as stored, and are found by value."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.core.search import Comparison, Field
from steward.store import SqlStore

from .builders import create, draft, register

keys = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,30}", fullmatch=True)
# PostgreSQL text cannot hold NUL, so the store refuses it on both backends (tested elsewhere).
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
numbers = st.floats(allow_nan=False)  # infinities, -0.0, subnormals and extremes included

names = (f"m{i}" for i in itertools.count())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tags=st.dictionaries(keys, texts, max_size=4),
    metrics=st.dictionaries(keys, numbers, max_size=4),
    params=st.dictionaries(keys, texts, max_size=4),
)
def test_key_values_round_trip_exactly(
    store: SqlStore, tags: dict[str, str], metrics: dict[str, float], params: dict[str, str]
) -> None:
    name = next(names)
    with store.write() as tx:
        create(tx, name, tags=tags)
        made = register(tx, draft(name, tags=tags, metrics=metrics, params=params))
    with store.read() as tx:
        got = tx.models.get_version(name, 1)
        model = tx.models.get_model(name)
        for kind, values in (("tag", tags), ("metric", metrics), ("param", params)):
            for key, value in values.items():
                node = Comparison(Field(kind, key), "=", value)  # type: ignore[arg-type]
                found = tx.models.search_versions(node, (), 0, 1000)
                assert got in found, (kind, key, value)
    assert got == made
    assert got.tags == tags
    assert got.params == params
    assert model.tags == tags
    # repr tells -0.0 from 0.0 and keeps every bit of precision
    assert {k: repr(v) for k, v in got.metrics.items()} == {k: repr(float(v)) for k, v in metrics.items()}
