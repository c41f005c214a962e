"""The retraining worker: runs a ``module:function`` entry point in its own process.

``python -m steward.services.retrain_worker SPEC.json`` reads the run's spec
(entry point, data source, target, parent, params, output folder), loads the
data, calls the function with a :class:`RetrainContext` and saves what it
returns with :func:`save_candidate`. The control plane's runner starts it,
captures its stdout/stderr into the run's log, reads progress lines from that
log, and registers the candidate from the output folder.

A command entry point (``python train.py``) is run directly instead, with the
spec in environment variables (``STEWARD_RUN_ID``, ``STEWARD_DATA``,
``STEWARD_TARGET``, ``STEWARD_PARENT``, ``STEWARD_PARAMS`` as JSON,
``STEWARD_OUTPUT``); it calls :func:`save_candidate` itself.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.retrain_runs import progress_line
from steward.core.signature import infer_signature
from steward.flavors import detect, get_flavor
from steward.services.datasets import load_table

CANDIDATE_FILE = "candidate.json"
MODEL_FOLDER = "model"


@dataclass(frozen=True)
class RetrainContext:
    """What a ``module:function`` entry point gets. ``progress(fraction, message)`` reports progress."""

    data: pd.DataFrame
    data_path: str
    target: str
    parent: str | None
    params: dict[str, Any]
    run_id: int
    output: Path
    progress: Callable[[float, str], None] = field(repr=False)

    @property
    def features(self) -> pd.DataFrame:
        """The data without the target column."""
        return self.data.drop(columns=[self.target])

    @property
    def labels(self) -> pd.Series:  # type: ignore[type-arg]
        return self.data[self.target]


def report_progress(fraction: float, message: str = "") -> None:
    """Print a progress line the runner picks up (commands may call this, or print the line themselves)."""
    print(progress_line(fraction, message), flush=True)


def read_source(location: str) -> pd.DataFrame:
    """A Parquet or CSV table from a local path or any fsspec URL (``s3://…``)."""
    if "://" not in location or location.startswith("file://"):
        return load_table(location.removeprefix("file://"))
    import fsspec

    suffix = location.lower().split("?", 1)[0]
    try:
        with fsspec.open(location, "rb") as handle:
            return pd.read_csv(handle) if suffix.endswith(".csv") else pd.read_parquet(handle)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"Cannot read {location!r}: {exc}") from None


def save_candidate(
    model: object,
    *,
    metrics: dict[str, float] | None = None,
    input_example: Any = None,
    output: str | Path | None = None,
) -> Path:
    """Save the trained *model* (any flavor Steward knows) where the runner picks it up.

    *output* defaults to ``$STEWARD_OUTPUT`` (set for command entry points).
    *input_example* (a few rows of features) gives the candidate its signature.
    """
    folder = Path(output or os.environ.get("STEWARD_OUTPUT") or "")
    if not str(folder) or not folder.is_dir():
        raise InvalidInputError("save_candidate needs the run's output folder (STEWARD_OUTPUT is not set).")
    flavor = get_flavor(detect(model).name)
    target = folder / MODEL_FOLDER
    target.mkdir(exist_ok=True)
    options = flavor.save(model, target)
    signature = None
    if input_example is not None:
        predict = getattr(model, "predict", None)
        output_example = predict(input_example) if callable(predict) else None
        signature = infer_signature(input_example, output_example).to_dict()
    clean = {str(k): float(v) for k, v in (metrics or {}).items() if math.isfinite(float(v))}
    meta = {"flavor": flavor.name, "flavor_options": options, "metrics": clean, "signature": signature}
    (folder / CANDIDATE_FILE).write_text(json.dumps(meta, default=str), encoding="utf-8")
    return folder


def run_function(spec: dict[str, Any]) -> None:
    module_name, _, function_name = str(spec["entry"]).partition(":")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        raise InvalidInputError(
            f"{spec['entry']!r}: module {module_name!r} has no function {function_name!r}."
        )
    data = read_source(str(spec["data"]))
    target = str(spec["target"])
    if target not in data.columns:
        raise InvalidInputError(f"The data source has no target column {target!r}.")
    output = Path(spec["output"])
    context = RetrainContext(
        data=data,
        data_path=str(spec["data"]),
        target=target,
        parent=spec.get("parent"),
        params=dict(spec.get("params") or {}),
        run_id=int(spec["run_id"]),
        output=output,
        progress=report_progress,
    )
    report_progress(0.0, "training")
    result = function(context)
    model, metrics = result if isinstance(result, tuple) else (result, None)
    if model is None:
        raise InvalidInputError(f"{spec['entry']!r} returned no model.")
    save_candidate(model, metrics=metrics, input_example=context.features.head(5), output=output)
    report_progress(1.0, "saved the candidate")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m steward.services.retrain_worker SPEC.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    sys.path.insert(0, os.getcwd())  # entry points next to where the run was started import like scripts
    run_function(spec)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a process by the runner
    sys.exit(main(sys.argv[1:]))
