from __future__ import annotations

import numpy as np
import pandas as pd

from steward.core.monitoring.profile import build_reference, profile_like
from steward.core.monitoring.quality import CHECKS, check_quality


def reference_data(rows: int = 2_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.normal(40, 10, rows),
            "income": rng.lognormal(10, 1, rows),
            "city": rng.choice(["paris", "oslo", "rome"], rows),
            "score": rng.random(rows),
            "plan": rng.choice(["free", "pro"], rows),
        }
    )


def issues_by_check(reference_frame: pd.DataFrame, window: pd.DataFrame) -> dict[str, list]:
    reference = build_reference(reference_frame)
    found: dict[str, list] = {}
    for issue in check_quality(reference, profile_like(reference, window)):
        assert issue.check in CHECKS and issue.severity in ("info", "warning", "error") and issue.message
        found.setdefault(issue.check, []).append(issue)
    return found


def test_a_clean_window_has_no_issues():
    data = reference_data()
    assert issues_by_check(data, data.sample(500, random_state=1)) == {}


def test_every_check_fires_on_the_data_it_is_about():
    data = reference_data()
    window = data.sample(1_000, random_state=2).reset_index(drop=True)
    window = window.drop(columns=["plan"])
    window["age"] = window["age"].astype(str)  # numbers as text
    window.loc[:300, "income"] = np.nan  # a missing-rate jump
    window.loc[:49, "score"] = 7.0  # 5% far outside [0, 1]
    window.loc[:99, "city"] = "berlin"  # an unseen category
    window["device"] = "ios"  # a column the reference does not have
    found = issues_by_check(data, window)
    assert found["missing_column"][0].feature == "plan" and found["missing_column"][0].severity == "error"
    assert found["extra_column"][0].feature == "device"
    assert found["type_mismatch"][0].feature == "age" and "string" in found["type_mismatch"][0].message
    assert found["missing_rate"][0].feature == "income" and found["missing_rate"][0].value > 0.25
    assert found["out_of_range"][0].feature == "score" and found["out_of_range"][0].value == 0.05
    assert found["unseen_categories"][0].feature == "city" and found["unseen_categories"][0].value == 0.1


def test_constant_and_all_missing_columns_are_named():
    data = reference_data()
    window = data.head(200).copy()
    window["age"] = 33.0
    window["plan"] = "pro"
    window["income"] = np.nan
    found = issues_by_check(data, window)
    assert {i.feature for i in found["constant"]} == {"age", "plan"}
    all_missing = found["missing_rate"][0]
    assert all_missing.feature == "income" and all_missing.severity == "error" and all_missing.value == 1.0


def test_an_empty_window_is_one_error():
    data = reference_data()
    found = issues_by_check(data, data.iloc[:0])
    assert list(found) == ["empty_window"] and found["empty_window"][0].severity == "error"
