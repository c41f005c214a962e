"""Profiles merge like counts: associative, commutative, profile(a + b) == merge(profile(a), profile(b))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as s

from steward.core.monitoring.profile import FeatureProfile, Profile, build_reference, empty_like, profile_like

REFERENCE = build_reference(
    pd.DataFrame(
        {
            "x": np.random.default_rng(0).normal(size=500),
            "c": np.random.default_rng(1).choice(["a", "b", "c"], 500),
        }
    )
)

values = s.one_of(
    s.floats(-5, 5, allow_nan=False), s.just(float("nan")), s.floats(-1e6, 1e6, allow_nan=False)
)
rows = s.lists(s.tuples(values, s.sampled_from(["a", "b", "c", "zz", None])), max_size=40)


def window(data: list[tuple[float, str | None]]) -> Profile:
    frame = pd.DataFrame(data, columns=["x", "c"]).astype({"x": "float64", "c": "object"})
    return profile_like(REFERENCE, frame)


def counts(profile: Profile) -> dict[str, tuple[object, ...]]:
    """Everything that must add exactly (floats sums only approximately: addition order differs)."""

    def one(fp: FeatureProfile) -> tuple[object, ...]:
        return (fp.count, fp.missing, fp.counts, fp.sketch_counts, fp.minimum, fp.maximum)

    return {"rows": (profile.rows,), **{name: one(fp) for name, fp in profile.features.items()}}


def sums(profile: Profile) -> list[float]:
    return [v for fp in profile.features.values() for v in (fp.total, fp.total_sq, *fp.sketch_sums)]


@settings(max_examples=60, deadline=None)
@given(rows, rows, rows)
def test_merge_is_associative_and_commutative(a, b, c):
    pa_, pb, pc = window(a), window(b), window(c)
    left, right = pa_.merge(pb).merge(pc), pa_.merge(pb.merge(pc))
    assert counts(left) == counts(right)
    assert sums(left) == pytest.approx(sums(right), rel=1e-9, abs=1e-6)
    assert counts(pa_.merge(pb)) == counts(pb.merge(pa_))
    assert pa_.merge(empty_like(REFERENCE)) == pa_


@settings(max_examples=60, deadline=None)
@given(rows, rows)
def test_profile_of_a_union_is_the_merge_of_the_profiles(a, b):
    whole, parts = window(a + b), window(a).merge(window(b))
    assert counts(whole) == counts(parts)
    assert sums(whole) == pytest.approx(sums(parts), rel=1e-9, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(rows)
def test_round_trip_through_a_dict(a):
    profile = window(a)
    assert Profile.from_dict(profile.to_dict()) == profile
