"""Every statistic against scipy on the same input (docs/monitoring-statistics.md says what is compared)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from steward.core.monitoring import statistics as st
from steward.core.monitoring.drift import compare
from steward.core.monitoring.profile import build_reference, profile_like


def test_ks_on_discrete_data_is_exactly_scipys_two_sample_statistic():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.poisson(4.0, 20_000).astype(float)})
    cur = pd.DataFrame({"x": rng.poisson(4.3, 15_000).astype(float)})
    reference = build_reference(ref)
    item = compare(reference, profile_like(reference, cur)).feature("x")
    expected = stats.ks_2samp(ref["x"], cur["x"], method="asymp")
    assert item.statistics["ks"] == pytest.approx(expected.statistic, abs=1e-6)
    # the p-value is the limiting distribution's (fast); scipy's kstwo differs by < 0.003 at this size
    en = len(ref) * len(cur) / (len(ref) + len(cur))
    assert item.p_value == pytest.approx(stats.kstwobign.sf(expected.statistic * np.sqrt(en)), abs=1e-9)
    assert item.p_value == pytest.approx(expected.pvalue, abs=0.003)


def test_ks_on_continuous_data_is_within_one_sketch_bin_below_scipys():
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(size=50_000), rng.normal(0.1, 1.2, size=40_000)
    reference = build_reference(pd.DataFrame({"x": ref}))
    item = compare(reference, profile_like(reference, pd.DataFrame({"x": cur}))).feature("x")
    exact = stats.ks_2samp(ref, cur).statistic
    widest = max(reference.features["x"].sketch_counts) / len(ref)
    assert exact - widest - 1e-9 <= item.statistics["ks"] <= exact + 1e-9


def test_wasserstein_is_scipys_on_the_bin_means_and_close_to_the_exact_distance():
    rng = np.random.default_rng(2)
    ref, cur = rng.normal(size=50_000), rng.normal(0.3, 1.0, size=50_000)
    reference = build_reference(pd.DataFrame({"x": ref}))
    window = profile_like(reference, pd.DataFrame({"x": cur}))
    r, c = reference.features["x"], window.features["x"]
    rc, cc = np.array(r.sketch_counts), np.array(c.sketch_counts)
    rm, cm = np.array(r.sketch_sums)[rc > 0] / rc[rc > 0], np.array(c.sketch_sums)[cc > 0] / cc[cc > 0]
    binned = stats.wasserstein_distance(rm, cm, rc[rc > 0], cc[cc > 0])
    item = compare(reference, window).feature("x")
    assert item.statistics["wasserstein_raw"] == pytest.approx(binned, abs=1e-6)
    assert item.statistics["wasserstein"] == pytest.approx(binned / np.std(ref), abs=1e-6)
    assert item.statistics["wasserstein_raw"] == pytest.approx(stats.wasserstein_distance(ref, cur), abs=0.01)


def test_categorical_chi_square_and_jensen_shannon_are_scipys_on_the_counts():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"c": rng.choice(list("abcd"), 10_000, p=[0.4, 0.3, 0.2, 0.1])})
    cur = pd.DataFrame({"c": rng.choice(list("abcd"), 8_000, p=[0.3, 0.3, 0.2, 0.2])})
    reference = build_reference(ref)
    item = compare(reference, profile_like(reference, cur)).feature("c")
    table = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref["c"].to_numpy(), cur["c"].to_numpy()]
    ).to_numpy()
    expected = stats.chi2_contingency(table, correction=False)
    assert item.statistics["chi2_statistic"] == pytest.approx(expected.statistic, rel=1e-9)
    assert item.p_value == pytest.approx(expected.pvalue, abs=1e-6)
    assert item.statistics["chi2"] == pytest.approx(np.sqrt(expected.statistic / table.sum()), abs=1e-9)
    js = distance.jensenshannon(table[0], table[1], base=2)
    assert item.statistics["jensenshannon"] == pytest.approx(js, abs=1e-6)


def test_numeric_jensen_shannon_and_psi_use_the_reference_bins():
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=20_000), rng.normal(0.2, 1.0, size=20_000)
    reference = build_reference(pd.DataFrame({"x": ref}))
    item = compare(reference, profile_like(reference, pd.DataFrame({"x": cur}))).feature("x")
    edges = np.array(reference.features["x"].edges)
    top = np.nextafter(edges[-1], np.inf)  # the reference maximum is inside the last bin
    bounds = np.r_[-np.inf, edges[:-1], top, np.inf]
    r, _ = np.histogram(ref, bounds)
    c, _ = np.histogram(cur, bounds)
    assert item.statistics["jensenshannon"] == pytest.approx(distance.jensenshannon(r, c, base=2), abs=1e-6)
    rs, cs = np.maximum(r / r.sum(), 1e-4), np.maximum(c / c.sum(), 1e-4)
    assert item.statistics["psi"] == pytest.approx(np.sum((cs - rs) * np.log(cs / rs)), abs=1e-9)


def test_benjamini_hochberg_matches_the_textbook_step_up():
    p = [0.01, 0.04, 0.03, 0.5, 0.002]
    m = len(p)
    order = np.argsort(p)
    ranked = np.array(p)[order] * m / np.arange(1, m + 1)
    expected = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(expected, 1.0)
    assert st.benjamini_hochberg(p) == pytest.approx(adjusted.tolist())


def test_psi_of_identical_counts_is_zero_and_grows_with_the_shift():
    counts = np.array([10, 20, 30, 40])
    assert st.psi(counts, counts) == 0.0
    assert 0 < st.psi(counts, np.array([12, 20, 30, 38])) < st.psi(counts, np.array([30, 20, 30, 20]))
