"""A window's running state during a run: its merged profile and traffic counts.

Traffic (requests, errors, rows, a latency histogram) is kept per window and
version beside the profile, and merged with what an earlier run stored. So is a
bounded sample of the rows' numeric features (for multivariate drift), stored
in the window's profile JSON under ``sample``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.figures import estimated_figures, multivariate_figures, profile_figures, traffic_figures
from steward.core.monitoring.drift import DriftConfig
from steward.core.monitoring.profile import Profile, empty_like, profile_like
from steward.core.monitoring.reservoir import RowSample, row_keys
from steward.core.windows import Figure, LatencyHistogram
from steward.ports import Transaction
from steward.services.payloads import Chunk
from steward.services.references import Loaded

#: One payload-log file read: its per-version states, its row count, rows of versions without a reference.
FileStates = tuple[dict[str, dict[str, Any]], int, dict[str, int]]


@dataclass
class RunTally:
    """What a run did so far: files and rows read, the windows it wrote (starts), figures, notes."""

    files: int = 0
    rows: int = 0
    starts: list[datetime] = field(default_factory=list)
    figures: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: list[str] = field(default_factory=list)


def merge_stored(profile: Profile | None, stored: Mapping[str, Any]) -> Profile | None:
    """The window's new profile merged with the stored one; a stored profile made with another
    reference (set again since) cannot merge and is replaced by the new rows alone."""
    try:
        earlier = Profile.from_dict(stored)
        return earlier if profile is None else profile.merge(earlier)
    except InvalidInputError:
        return profile


def read_states(
    chunks: Iterable[Chunk], reference: Callable[[str], Loaded | None], sample_size: int
) -> FileStates:
    """One file's per-version states, its row count, and rows of versions without a reference."""
    states: dict[str, dict[str, Any]] = {}
    skipped: dict[str, int] = defaultdict(int)
    rows_read = 0
    for chunk in chunks:
        rows_read += len(chunk.rows)
        for version, requests in chunk.requests.groupby("version", sort=False):
            add_traffic(states.setdefault(str(version), new_window()), requests)
        for version, rows in chunk.rows.groupby("version", sort=False):
            found = reference(str(version))
            if found is None:
                skipped[str(version)] += len(rows)
                continue
            state = states[str(version)]
            part = profile_like(found.profile, rows.drop(columns=["request_id", "row", "version"]))
            state["profile"] = part if state["profile"] is None else state["profile"].merge(part)
            if found.multivariate is not None:
                add_sample(state, found.multivariate.features_, sample_size, rows)
    return states, rows_read, skipped


def new_window() -> dict[str, Any]:
    return {"profile": None, "sample": None, "requests": 0, "errors": 0, "latency": LatencyHistogram()}


def add_sample(state: dict[str, Any], features: tuple[str, ...], size: int, rows: pd.DataFrame) -> None:
    """Offer *rows* (with ``request_id`` and ``row``) to the window's row sample."""
    sample = state.get("sample") or RowSample.empty(features, size)
    state["sample"] = sample.add(row_keys(rows["request_id"], rows["row"]), rows)


def merge_sample(sample: RowSample | None, stored: Mapping[str, Any] | None) -> RowSample | None:
    """The run's sample merged with the one stored with the window; a stored sample of other features
    or size (the reference or the setting changed since) is replaced by the run's rows alone."""
    if not stored or not stored.get("sample"):
        return sample
    try:
        earlier = RowSample.from_dict(stored["sample"])
    except InvalidInputError:
        return sample
    if sample is None:
        return earlier
    if earlier.features != sample.features or earlier.size != sample.size:
        return sample
    return sample.merge(earlier)


def add_traffic(state: dict[str, Any], requests: pd.DataFrame) -> None:
    state["requests"] += len(requests)
    state["errors"] += int((requests["status"] >= 400).sum())
    state["latency"].add(requests["latency_ms"].to_numpy(dtype=float))


def merge_traffic(stored: Mapping[str, Any] | None, state: Mapping[str, Any]) -> dict[str, Any]:
    stored = stored or {}
    latency = LatencyHistogram(stored.get("latency") or {}).merge(state["latency"])
    rows = int(stored.get("rows", 0)) + (state["profile"].rows if state["profile"] is not None else 0)
    return {
        "requests": int(stored.get("requests", 0)) + state["requests"],
        "errors": int(stored.get("errors", 0)) + state["errors"],
        "rows": rows,
        "latency": latency.to_dict(),
    }


def merge_states(into: dict[str, dict[str, Any]], more: Mapping[str, Mapping[str, Any]]) -> None:
    """Add one file's per-version states to the window's."""
    for version, state in more.items():
        target = into.setdefault(version, new_window())
        target["requests"] += state["requests"]
        target["errors"] += state["errors"]
        target["latency"] = target["latency"].merge(state["latency"])
        if state.get("sample") is not None:
            target["sample"] = (
                state["sample"] if target["sample"] is None else target["sample"].merge(state["sample"])
            )
        if state["profile"] is not None:
            profile = state["profile"]
            target["profile"] = profile if target["profile"] is None else target["profile"].merge(profile)


def window_figures(
    deployment: str,
    version: str,
    span: tuple[datetime, datetime],
    traffic: Mapping[str, Any],
    profile: Profile | None,
    sample: RowSample | None,
    reference: Loaded | None,
    config: DriftConfig,
) -> list[Figure]:
    """Every payload-log figure of one window of one version (not ``performance.*``)."""
    start, end = span
    figures = traffic_figures(deployment, version, start, end, traffic)
    if reference is None or profile is None:
        return figures
    figures += profile_figures(
        deployment, version, start, end, reference.profile, profile, config,
        reference.importance, reference.importance_source,
    )  # fmt: skip
    figures += estimated_figures(deployment, version, start, end, profile, reference.calibration)
    if reference.multivariate is not None and sample is not None:
        figures += multivariate_figures(deployment, version, start, end, reference.multivariate, sample)
    return figures


def commit_window(
    tx: Transaction,
    deployment: str,
    span: tuple[datetime, datetime],
    windows: dict[str, dict[str, Any]],
    reference_of: Callable[[str], Loaded | None],
    consumed: list[tuple[str, int]],
    config: DriftConfig,
    at: datetime,
) -> int:
    """Merge a time window's run states into what is stored, rewrite its figures and mark its files
    consumed, in *tx*; the number of figures written."""
    start, end = span
    figures: list[Figure] = []
    for version, state in windows.items():
        stored = tx.monitoring.get_window(deployment, start, version)
        traffic = merge_traffic(stored["traffic"] if stored else None, state)
        reference = reference_of(version)
        profile = state["profile"]
        if stored and stored["profile"] and reference is not None:
            profile = merge_stored(profile, stored["profile"])
        if profile is None and reference is not None:
            profile = empty_like(reference.profile)
        rows = profile.rows if profile is not None else 0
        sample = merge_sample(state.get("sample"), stored["profile"] if stored else None)
        stored_profile = profile.to_dict() if profile is not None else {}
        if sample is not None and stored_profile:
            stored_profile["sample"] = sample.to_dict()
        tx.monitoring.put_window(
            deployment, start, end, version, rows=rows, profile=stored_profile, traffic=traffic, at=at
        )  # fmt: skip
        figures += window_figures(deployment, version, span, traffic, profile, sample, reference, config)
    tx.monitoring.replace_figures(deployment, [(start, v) for v in windows], figures)
    tx.monitoring.add_files(deployment, consumed, at)
    return len(figures)
