"""A window's running state during a run: its merged profile and traffic counts.

Traffic (requests, errors, rows, a latency histogram) is kept per window and
version beside the profile, and merged with what an earlier run stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.monitoring.profile import Profile
from steward.core.windows import LatencyHistogram


def merge_stored(profile: Profile | None, stored: Mapping[str, Any]) -> Profile | None:
    """The window's new profile merged with the stored one; a stored profile made with another
    reference (set again since) cannot merge and is replaced by the new rows alone."""
    try:
        earlier = Profile.from_dict(stored)
        return earlier if profile is None else profile.merge(earlier)
    except InvalidInputError:
        return profile


def new_window() -> dict[str, Any]:
    return {"profile": None, "requests": 0, "errors": 0, "latency": LatencyHistogram()}


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
        if state["profile"] is not None:
            profile = state["profile"]
            target["profile"] = profile if target["profile"] is None else target["profile"].merge(profile)
