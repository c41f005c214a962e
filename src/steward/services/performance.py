"""Per-window model performance from ground truth joined to the payload log by request id.

Labels arrive late and partially: each recomputation joins every stored label
to the logged predictions (request id and row within the request), groups the
matches by window and version, and computes classification or regression
metrics for each. Only the prediction columns of the log are read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
import pandas as pd

from steward.core.monitoring.performance import classification_metrics, regression_metrics
from steward.core.monitoring.profile import PREDICTION, PROBA
from steward.core.windows import Figure, finite, window_of, window_rows
from steward.services.payloads import PayloadLogReader
from steward.services.row_windows import BLOCK


def performance_figures(
    deployment: str,
    log: PayloadLogReader,
    window: str,
    labels: Sequence[tuple[str, int, Any]],
    task_of: Callable[[str], str | None],
    only: set[datetime] | None = None,
    row_windows: Sequence[Mapping[str, Any]] = (),
) -> tuple[list[Figure], set[tuple[str, int]]]:
    """``performance.*`` figures per (window, version), and the label keys that matched a prediction.

    *only* limits the work to the windows starting at these times (a run's windows). For ``rows:N``
    windows, *row_windows* are the stored windows: their segments say which rows each one holds."""
    if not labels:
        return [], set()
    truth = pd.DataFrame(labels, columns=["request_id", "row", "label"])
    wanted = set(truth["request_id"])
    segments = _segments(row_windows, only)
    parts: list[pd.DataFrame] = []
    for name in log.files(deployment):
        if window_rows(window) is not None:
            if only is None or name in segments:
                parts += _row_window_part(log, deployment, name, wanted, segments.get(name, []))
            continue
        start, end = window_of(log.partition_path(deployment, name), window)
        if only is not None and start not in only:
            continue
        for chunk in log.chunks(deployment, name, with_inputs=False):
            rows = chunk.rows
            if rows.empty or PREDICTION not in rows.columns:
                continue
            rows = rows[rows["request_id"].isin(wanted)]
            if len(rows):
                parts.append(rows[_keep(rows)].assign(start=start, end=end))
    if not parts:
        return [], set()
    joined = pd.concat(parts, ignore_index=True).merge(truth, on=["request_id", "row"], how="inner")
    matched = set(zip(joined["request_id"], joined["row"].astype(int), strict=True))
    joined = joined[joined["start"].notna()]  # rows of a rows:N window still open have none yet
    figures: list[Figure] = []
    for key, group in joined.groupby(["start", "end", "version"], sort=True):
        start, end, version = (cast(datetime, key[0]), cast(datetime, key[1]), str(key[2]))  # type: ignore[index]
        task = task_of(str(version)) or _guess_task(group["label"])
        metrics = _metrics(task, group)
        details = {"task": task, "labelled": len(group)}
        figures.append(
            Figure(deployment, str(version), start, end, "performance.labelled", float(len(group)), details)
        )
        figures += [
            Figure(deployment, str(version), start, end, f"performance.{k}", finite(v), details)
            for k, v in metrics.items()
        ]
    return figures, matched


def _keep(rows: pd.DataFrame) -> list[str]:
    return ["request_id", "row", "version", PREDICTION] + ([PROBA] if PROBA in rows.columns else [])


Segment = tuple[str, int, int, datetime, datetime]  # version, first and past-last position, start, end


def _segments(windows: Sequence[Mapping[str, Any]], only: set[datetime] | None) -> dict[str, list[Segment]]:
    """Per file, the closed ``rows:N`` windows' segments in it (of the windows starting in *only*)."""
    found: dict[str, list[Segment]] = {}
    for w in windows:
        block = w["traffic"].get(BLOCK) or {}
        if block.get("open", True) or (only is not None and w["start"] not in only):
            continue
        for file, lo, hi in block.get("segments", []):
            found.setdefault(str(file), []).append((w["version"], int(lo), int(hi), w["start"], w["end"]))
    return found


def _row_window_part(
    log: PayloadLogReader, deployment: str, name: str, wanted: set[str], segments: list[Segment]
) -> list[pd.DataFrame]:
    """A file's labelled rows, each with the start and end of the closed window holding it (or none):
    rows in log order, numbered per version as the run numbered them."""
    rows = log.ordered(deployment, name, with_inputs=False).rows
    if rows.empty or PREDICTION not in rows.columns:
        return []
    rows = rows.assign(position=rows.groupby("version", sort=False).cumcount())
    rows = rows[rows["request_id"].isin(wanted)]
    if rows.empty:
        return []
    starts = pd.Series(None, index=rows.index, dtype=object)
    ends = pd.Series(None, index=rows.index, dtype=object)
    for version, lo, hi, start, end in segments:
        inside = (rows["version"] == version) & (rows["position"] >= lo) & (rows["position"] < hi)
        starts[inside], ends[inside] = start, end
    return [rows[_keep(rows)].assign(start=starts, end=ends)]


def _guess_task(labels: pd.Series) -> str:
    values = pd.to_numeric(labels, errors="coerce")
    if values.isna().any():
        return "classification"
    return "classification" if np.allclose(values, np.round(values)) else "regression"


def _metrics(task: str, group: pd.DataFrame) -> dict[str, float]:
    if task == "regression":
        y_true = pd.to_numeric(group["label"], errors="coerce").to_numpy(dtype=float)
        y_pred = pd.to_numeric(group[PREDICTION], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(y_true) & np.isfinite(y_pred)
        return regression_metrics(y_true[ok], y_pred[ok]) if ok.any() else {}
    y_true, y_pred = group["label"].to_numpy(), group[PREDICTION].to_numpy()
    if y_true.dtype.kind != y_pred.dtype.kind:  # labels 1/0 against predictions "1"/"0", or the reverse
        y_true, y_pred = y_true.astype(str), y_pred.astype(str)
    scores = group[PROBA].to_numpy(dtype=float) if PROBA in group.columns else None
    found: dict[str, float] = classification_metrics(y_true, y_pred, scores)
    return found
