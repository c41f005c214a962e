"""Validation on 100,000 rows, and fairness metrics against fairlearn (run by hand, not a test).

    python benchmarks/validation.py            # needs fairlearn (pip install 'steward-mlops[test]')
    python benchmarks/validation.py --rows 20000 --skip-explain

Prints, in one run:

1. the default binary suite (plus fairness on one sensitive feature and the
   no-regression gate against a champion) on --rows rows, end to end through
   ``ValidationService.validate``: seconds in all and per check;
2. fairness: fairlearn's ``MetricFrame`` with 8 metrics plus
   ``demographic_parity_difference`` and ``equalized_odds_difference``,
   against Steward's ``group_rates`` + ``disparity`` computing the same numbers,
   on the same rows: medians and the speed ratio (target >= 20x), and the
   largest difference between the two (must be <= 1e-9);
3. the explainability benchmark (``benchmarks/explain.py``'s ``main``), if
   that file exists, unless --skip-explain.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def make_data(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    group = rng.choice(["a", "b", "c", "d"], size=rows, p=[0.4, 0.3, 0.2, 0.1])
    logit = x @ np.array([1.2, -0.8, 0.5, 0.0, 0.3, -0.2]) + (group == "b") * 0.4
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    return frame.assign(group=group, y=y)


def suite_on(rows: int) -> None:
    from sklearn.linear_model import LogisticRegression

    from steward import Client
    from steward.app import Steward
    from steward.settings import Settings

    data = make_data(rows)
    features = data[[f"x{i}" for i in range(6)]]
    with tempfile.TemporaryDirectory() as folder:
        uri = f"sqlite:///{Path(folder) / 'bench.db'}"
        with Client(uri, actor="bench") as client:
            for c in (1.0, 0.01):
                model = LogisticRegression(C=c).fit(features, data["y"])
                client.register(model, "bench", input_example=features.head(), capture_code=False)
            client.set_alias("bench", "champion", 1)
        with Steward.open(Settings.resolve(uri)) as app:
            marks: list[tuple[str, float]] = []

            def progress(check: str, done: int, total: int) -> None:
                marks.append((check, time.perf_counter()))

            start = time.perf_counter()
            run = app.validation.validate(
                "bench/2", data, "y", sensitive=["group"], actor="bench", progress=progress
            )
            end = time.perf_counter()
    print(f"\n1. Default binary suite on {rows:,} rows (validate end to end): {end - start:.2f} s")
    print(f"   {'load, check the data, predict (both versions)':<45} {marks[0][1] - start:7.3f} s")
    stamps = [*marks, ("", end)]
    for (name, at), (_, after) in itertools.pairwise(stamps):
        print(f"   {name:<45} {after - at:7.3f} s")
    print(f"   passed={run.passed} failed={run.failed}")


def _steward_fairness(groups: Any, y_true: Any, y_pred: Any) -> dict[str, Any]:
    from steward.core.validation.fairness import disparity, group_rates

    rates = group_rates(groups, y_true, y_pred)
    out: dict[str, Any] = {}
    for g in rates:
        tp = g.positives * (g.true_positive_rate or 0.0)
        fp = g.negatives * (g.false_positive_rate or 0.0)
        out[g.group] = {
            "count": g.count,
            "selection_rate": g.selection_rate,
            "true_positive_rate": g.true_positive_rate,
            "false_positive_rate": g.false_positive_rate,
            "true_negative_rate": 1.0 - (g.false_positive_rate or 0.0),
            "false_negative_rate": 1.0 - (g.true_positive_rate or 0.0),
            "accuracy": g.accuracy,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
        }
    for name in ("demographic_parity_difference", "equalized_odds_difference"):
        out[name] = disparity(name, rates)[0].value
    return out


def _fairlearn(groups: Any, y_true: Any, y_pred: Any) -> dict[str, Any]:
    from fairlearn import metrics as flm
    from sklearn.metrics import accuracy_score, precision_score

    frame = flm.MetricFrame(
        metrics={
            "count": flm.count,
            "selection_rate": flm.selection_rate,
            "true_positive_rate": flm.true_positive_rate,
            "false_positive_rate": flm.false_positive_rate,
            "true_negative_rate": flm.true_negative_rate,
            "false_negative_rate": flm.false_negative_rate,
            "accuracy": accuracy_score,
            "precision": precision_score,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    out: dict[str, Any] = {str(g): row.to_dict() for g, row in frame.by_group.iterrows()}
    out["demographic_parity_difference"] = flm.demographic_parity_difference(
        y_true, y_pred, sensitive_features=groups
    )
    out["equalized_odds_difference"] = flm.equalized_odds_difference(
        y_true, y_pred, sensitive_features=groups
    )
    return out


def _median_seconds(fn: Any, repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fairness_vs_fairlearn(rows: int) -> None:
    data = make_data(rows, seed=1)
    rng = np.random.default_rng(2)
    y_true = data["y"].to_numpy()
    y_pred = np.where(rng.random(rows) < 0.8, y_true, 1 - y_true)
    groups = data["group"].to_numpy()
    ours = _steward_fairness(groups, y_true, y_pred)
    theirs = _fairlearn(groups, y_true, y_pred)
    worst = 0.0
    for key, value in theirs.items():
        if isinstance(value, dict):
            worst = max(worst, *(abs(float(value[m]) - float(ours[key][m])) for m in value))
        else:
            worst = max(worst, abs(float(value) - float(ours[key])))
    fl = _median_seconds(lambda: _fairlearn(groups, y_true, y_pred), repeat=3)
    st = _median_seconds(lambda: _steward_fairness(groups, y_true, y_pred), repeat=20)
    print(f"\n2. Fairness on {rows:,} rows, 4 groups: 8 metrics per group + DP difference + EO difference")
    print(f"   fairlearn MetricFrame + 2 disparities: {fl * 1000:9.1f} ms (median of 3)")
    print(f"   Steward group_rates + disparity:       {st * 1000:9.1f} ms (median of 20)")
    print(f"   speed ratio: {fl / st:.0f}x (target >= 20x); largest difference: {worst:.2e} (<= 1e-9)")


def explain_benchmark() -> None:
    path = Path(__file__).with_name("explain.py")
    if not path.is_file():
        print("\n3. benchmarks/explain.py is not there: no explanation benchmark.")
        return
    spec = importlib.util.spec_from_file_location("steward_bench_explain", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print("\n3. Explanations (benchmarks/explain.py):")
    module.main([]) if _takes_argv(module.main) else module.main()


def _takes_argv(fn: Any) -> bool:
    import inspect

    return len(inspect.signature(fn).parameters) > 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-explain", action="store_true")
    args = parser.parse_args()
    suite_on(args.rows)
    fairness_vs_fairlearn(args.rows)
    if not args.skip_explain:
        explain_benchmark()


if __name__ == "__main__":
    main()
