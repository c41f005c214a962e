"""Explanation benchmark: Steward's explanations vs scikit-learn and shap called directly, same run.

    python benchmarks/explain.py [--rows 1000] [--trees 100] [--repeat 3]

On a random forest (``--trees`` trees, depth 10) over ``--rows`` rows of 10
features, best of ``--repeat`` runs each, Steward and
the direct call alternating:

  permutation   sklearn.inspection.permutation_importance (roc_auc, 5 repeats)
                vs steward.core.explain.permutation (same seed: the same numbers,
                checked) and vs ExplainService.explain (which also fingerprints the
                data, loads the version from the artifact store and stores the result)
  treeshap      shap.TreeExplainer(model).shap_values(X) vs Steward's tree_shap and
                the service's global TreeSHAP (mean |SHAP|)
  reuse         the service asked again: the stored result, no model loaded

Ratios are Steward / direct (target: under 1.1x). ``main(argv)`` is what
benchmarks/validation.py calls.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance as sklearn_permutation_importance

from steward.app import Steward
from steward.core.explain import ExplainRequest
from steward.core.explain.output import scorer
from steward.core.explain.permutation import permutation_importance
from steward.core.explain.tree import import_shap, tree_shap
from steward.core.registry import VersionDraft
from steward.services.packaging import load_version, package_model
from steward.settings import Settings


def seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(direct: Callable[[int], Any], steward: Callable[[int], Any], repeat: int) -> tuple[float, float]:
    """Best wall times of *direct* and *steward*, run alternately.

    The best of N, not the median: on a shared machine the slower runs measure
    the neighbours, and alternating lets both sides meet the same quiet moments.
    """
    a, b = [], []
    for i in range(repeat):
        a.append(seconds(partial(direct, i)))
        b.append(seconds(partial(steward, i)))
    return min(a), min(b)


def problem(rows: int, trees: int) -> tuple[RandomForestClassifier, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(rows, 10)), columns=[f"f{i}" for i in range(10)])
    y = (x["f0"] + 0.5 * x["f1"] - 0.25 * x["f2"] + 0.5 * rng.normal(size=rows) > 0).astype(int).to_numpy()
    model = RandomForestClassifier(n_estimators=trees, max_depth=10, random_state=0).fit(x, y)
    return model, x, y


def line(label: str, direct: float, steward: float) -> None:
    """Steward's time, the direct call's time in the same alternation, and their ratio."""
    ratio = steward / direct
    print(f"   {label:<48} {steward * 1000:8.1f} ms  vs {direct * 1000:8.1f} ms direct: {ratio:5.2f}x")


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    model, x, y = problem(args.rows, args.trees)
    frame = x.assign(label=y)
    ratios: dict[str, float] = {}
    print(
        f"   random forest: {args.trees} trees, depth 10; {args.rows} rows x 10 features; "
        f"best of {args.repeat}, alternating"
    )

    ours = permutation_importance(scorer(model, "roc_auc"), x, y, n_repeats=5, seed=0)
    theirs = sklearn_permutation_importance(model, x, y, scoring="roc_auc", n_repeats=5, random_state=0)
    worst = float(np.abs(ours.importances - theirs.importances).max())
    print(f"   permutation importance: largest difference from scikit-learn {worst:.1e} (same seed)")

    def sklearn_pi(i: int) -> Any:
        return sklearn_permutation_importance(model, x, y, scoring="roc_auc", n_repeats=5, random_state=i)

    def core_pi(i: int) -> Any:
        return permutation_importance(scorer(model, "roc_auc"), x, y, n_repeats=5, seed=i)

    direct, core = compare(sklearn_pi, core_pi, args.repeat)
    line("Steward permutation_importance (core)", direct, core)
    ratios["permutation_core"] = core / direct

    with tempfile.TemporaryDirectory() as tmp, _app(Path(tmp)) as app:
        packaged = package_model(app.artifacts, model, input_example=x.head())
        draft = VersionDraft(
            "forest",
            packaged.artifact_digest,
            packaged.flavor,
            signature=packaged.signature,
            flavor_options=packaged.flavor_options,
        )
        ref = app.registry.register_version(draft, actor="bench").ref

        def service_pi(i: int) -> Any:
            request = ExplainRequest("global", target="label", seed=100 + i)
            return app.explain.explain(ref, frame, request, actor="bench")

        direct, service = compare(sklearn_pi, service_pi, args.repeat)
        line("Steward ExplainService (load, compute, store)", direct, service)
        ratios["permutation_service"] = service / direct
        version = app.registry.get_version(ref)
        load = min(seconds(lambda: load_version(app.artifacts, version)) for _ in range(3))
        print(f"   {'  of which loading the version (verified)':<48} {load * 1000:8.1f} ms")
        reuse = min(seconds(lambda: service_pi(0)) for _ in range(args.repeat))
        print(f"   {'the same request again (stored result)':<48} {reuse * 1000:8.1f} ms")
        ratios["reuse_vs_compute"] = reuse / service

        try:
            shap = import_shap()
        except ImportError as exc:
            print(f"   TreeSHAP skipped: {exc}")
            return ratios

        def shap_direct(i: int) -> Any:
            return shap.TreeExplainer(model).shap_values(x)

        direct, core = compare(shap_direct, lambda i: tree_shap(model, x), args.repeat)
        line("Steward tree_shap (core)", direct, core)
        ratios["treeshap_core"] = core / direct

        def service_shap(i: int) -> Any:
            request = ExplainRequest("global", method="treeshap", seed=100 + i)
            return app.explain.explain(ref, frame, request, actor="bench")

        direct, service = compare(shap_direct, service_shap, args.repeat)
        line("Steward ExplainService TreeSHAP (all of it)", direct, service)
        ratios["treeshap_service"] = service / direct
    return ratios


class _app:
    """An embedded Steward in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        settings = Settings.resolve(
            f"sqlite:///{folder / 's.db'}", artifacts=str(folder / "a"), actor="bench"
        )
        self.app = Steward.open(settings)

    def __enter__(self) -> Steward:
        return self.app

    def __exit__(self, *exc: object) -> None:
        self.app.close()


if __name__ == "__main__":
    main()
