"""What rollouts read from the payload log: per-version readings, prediction drift, shadow agreement.

The records come from :meth:`steward.services.live.LiveTrafficReader.records` (one bounded read of
the recent end of the log). A version's readings count its *primary* requests only; prediction
drift compares the flattened ``predict`` output of two versions with the monitoring statistics
(:mod:`steward.core.monitoring.statistics`) over bins drawn from the champion's predictions; a
shadow comparison joins each shadow record to the primary record with the same request id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.core.monitoring.statistics import jensen_shannon, ks_on_grid, psi
from steward.core.rollout import Guardrails, VersionStats
from steward.core.rollout_records import ShadowComparison

#: At most this many distinct prediction values are compared as categories; more are binned.
MAX_CATEGORIES = 20
BINS = 10
METRICS = ("accuracy",)


def primary(table: pa.Table) -> pa.Table:
    return of_role(table, "primary")


def of_role(table: pa.Table, role: str) -> pa.Table:
    """The records of *role* (``primary`` or ``shadow``; a record without a role is primary)."""
    if "role" not in table.column_names or table.num_rows == 0:
        return table if role == "primary" else table.slice(0, 0)
    return table.filter(pc.fill_null(pc.equal(table["role"], role), role == "primary"))


def of_versions(table: pa.Table, versions: Iterable[str]) -> pa.Table:
    wanted = list(versions)
    if table.num_rows == 0 or not wanted:
        return table.slice(0, 0)
    return table.filter(pc.is_in(table["version"].cast(pa.string()), pa.array(wanted, pa.string())))


def since(table: pa.Table, at: datetime) -> pa.Table:
    """The records of *table* logged at *at* or later."""
    if table.num_rows == 0:
        return table
    kind = pa.timestamp("us", tz="UTC")
    return table.filter(pc.greater_equal(table["time"].cast(kind), pa.scalar(at.astimezone(UTC), kind)))


def readings(table: pa.Table, role: str = "primary") -> VersionStats:
    """Requests, errors (status >= 500) and p99 latency of *table*'s records of *role*."""
    table = of_role(table, role)
    if table.num_rows == 0:
        return VersionStats()
    statuses = np.asarray(table["status"].to_numpy(zero_copy_only=False), dtype=np.int64)
    latencies = np.asarray(table["latency_ms"].to_numpy(zero_copy_only=False), dtype=np.float64)
    latencies = latencies[np.isfinite(latencies)]
    p99 = float(np.quantile(latencies, 0.99)) if len(latencies) else None
    return VersionStats(requests=len(statuses), errors=int((statuses >= 500).sum()), p99_ms=p99)


def predictions(table: pa.Table) -> Any:
    """The ``predict`` outputs of *table*'s records, flattened: one value per predicted row (a
    NumPy array when they are numbers, else a list), flattened by Arrow without a Python loop."""
    if "outputs" not in table.column_names or table.num_rows == 0:
        return []
    outputs = table["outputs"].combine_chunks()
    if not pa.types.is_struct(outputs.type) or outputs.type.get_field_index("predict") < 0:
        return []
    values = outputs.field("predict")
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        values = pc.list_flatten(values)
    values = values.drop_null()
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    return values.to_pylist()


def per_request(table: pa.Table) -> list[list[Any]]:
    """Each record's ``predict`` output as a flat list (empty when it has none)."""
    if "outputs" not in table.column_names or table.num_rows == 0:
        return [[] for _ in range(table.num_rows)]
    outputs = table["outputs"].combine_chunks()
    if not pa.types.is_struct(outputs.type) or outputs.type.get_field_index("predict") < 0:
        return [[] for _ in range(table.num_rows)]
    values = outputs.field("predict").to_pylist()
    return [_flat(v) for v in values]


def _flat(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [x for item in value for x in _flat(item)]
    return [value]


def _numeric(values: Any) -> np.ndarray[Any, Any] | None:
    if isinstance(values, np.ndarray):
        return values.astype(np.float64) if values.dtype.kind in "fiu" and len(values) else None
    if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return None
    return np.asarray(values, dtype=np.float64)


def drift(champion: Any, challenger: Any, statistic: str) -> float | None:
    """*statistic* (psi, js or ks) of *challenger*'s predictions against *champion*'s; None when
    either has none. Few distinct values are compared as categories, others over the champion's
    deciles (open-ended at both sides)."""
    if len(champion) == 0 or len(challenger) == 0:
        return None
    ref, cur = _numeric(champion), _numeric(challenger)
    distinct = np.unique(np.concatenate([ref, cur])) if ref is not None and cur is not None else None
    side: Literal["left", "right"] = "left"
    if ref is not None and cur is not None and distinct is not None:
        if len(distinct) > MAX_CATEGORIES:  # the champion's deciles
            edges = np.unique(np.quantile(ref, np.linspace(0, 1, BINS + 1)[1:-1]))
            side = "right"
        else:  # each distinct value its own bin
            edges = distinct
        size = len(edges) + 1
        ref_counts = np.bincount(np.searchsorted(edges, ref, side=side), minlength=size)
        cur_counts = np.bincount(np.searchsorted(edges, cur, side=side), minlength=size)
    else:
        keys = sorted({str(v) for v in champion} | {str(v) for v in challenger})
        index = {k: i for i, k in enumerate(keys)}
        ref_counts = np.bincount([index[str(v)] for v in champion], minlength=len(keys))
        cur_counts = np.bincount([index[str(v)] for v in challenger], minlength=len(keys))
    if statistic == "psi":
        return psi(ref_counts, cur_counts)
    if statistic == "js":
        return jensen_shannon(ref_counts, cur_counts)
    return ks_on_grid(ref_counts, cur_counts)[0]


def metric(
    table: pa.Table, labels: Mapping[tuple[str, int], Any], name: str, role: str = "primary"
) -> tuple[float | None, int]:
    """*name* (``accuracy``) of the predictions of *table*'s records of *role* against the labels
    that arrived for their requests (by request id and row; a shadow record carries its primary
    request's id), and how many labelled rows it is measured on."""
    table = of_role(table, role)
    if table.num_rows == 0 or not labels:
        return None, 0
    ids = table["request_id"].to_pylist()
    hits = total = 0
    for request_id, values in zip(ids, per_request(table), strict=True):
        for row, value in enumerate(values):
            label = labels.get((str(request_id), row))
            if label is None:
                continue
            total += 1
            hits += int(str(value) == str(label))
    return (hits / total if total else None), total


def compare_shadows(deployment: str, table: pa.Table, statistic: str = "psi") -> list[ShadowComparison]:
    """One comparison per shadow version logged in *table*: pairs of (primary, shadow) records of
    the same request, the share of rows where both predict the same value, the mean and largest
    absolute difference of numeric predictions, and the drift of the shadow's predictions."""
    if table.num_rows == 0 or "role" not in table.column_names:
        return []
    roles = table["role"].to_pylist()
    ids = table["request_id"].to_pylist()
    versions = table["version"].to_pylist()
    statuses = table["status"].to_pylist()
    values = per_request(table)
    answers: dict[str, list[Any]] = {}
    for role, request_id, status, predicted in zip(roles, ids, statuses, values, strict=True):
        if role in (None, "primary") and status is not None and status < 400:
            answers[str(request_id)] = predicted
    found: dict[str, _Pairs] = {}
    for role, request_id, version, status, predicted in zip(
        roles, ids, versions, statuses, values, strict=True
    ):
        if role != "shadow":
            continue
        pairs = found.setdefault(str(version), _Pairs())
        if status is None or status >= 400:
            pairs.errors += 1
            continue
        answer = answers.get(str(request_id))
        if answer is None or len(answer) != len(predicted):
            continue
        pairs.requests += 1
        pairs.primary.extend(answer)
        pairs.shadow.extend(predicted)
    return [_comparison(deployment, version, pairs, statistic) for version, pairs in sorted(found.items())]


def judged(
    table: pa.Table,
    *,
    challenger: str,
    champions: set[str],
    step_started: datetime,
    role: str,
    guardrails: Guardrails,
    labels: Iterable[tuple[str, int, Any]] = (),
) -> tuple[VersionStats, VersionStats]:
    """The challenger's readings from its *role* records since *step_started* (drift against the
    champions' predictions, the metric against *labels*), and the champions' from their primary
    records in *table* (the whole rollout)."""
    mine = of_role(of_versions(since(table, step_started), [challenger]), role)
    theirs = primary(of_versions(table, champions))
    found = readings(mine, role)
    if guardrails.max_drift is not None:
        found = replace(
            found, drift=drift(predictions(theirs), predictions(mine), guardrails.drift_statistic)
        )
    if guardrails.metric is not None:
        joined = {(str(rid), int(row)): label for rid, row, label in labels}
        value, count = metric(mine, joined, guardrails.metric, role)
        found = replace(found, metric=value, labelled=count)
    return found, readings(theirs)


@dataclass
class _Pairs:
    requests: int = 0
    errors: int = 0
    primary: list[Any] = field(default_factory=list)
    shadow: list[Any] = field(default_factory=list)


def _comparison(deployment: str, version: str, pairs: _Pairs, statistic: str) -> ShadowComparison:
    mine, theirs = pairs.shadow, pairs.primary
    rows = len(mine)
    agreement = sum(str(a) == str(b) for a, b in zip(mine, theirs, strict=True)) / rows if rows else None
    a, b = _numeric(mine), _numeric(theirs)
    diffs = np.abs(a - b) if a is not None and b is not None else None
    return ShadowComparison(
        deployment=deployment,
        shadow=version,
        pairs=pairs.requests,
        rows=rows,
        agreement=agreement,
        mean_abs_diff=float(diffs.mean()) if diffs is not None and len(diffs) else None,
        max_abs_diff=float(diffs.max()) if diffs is not None and len(diffs) else None,
        drift=drift(theirs, mine, statistic),
        drift_statistic=statistic,
        shadow_errors=pairs.errors,
    )
