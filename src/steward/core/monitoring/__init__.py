"""Monitoring statistics: profiles that merge, drift, data quality, performance (pure NumPy/SciPy/Arrow).

See docs/monitoring-statistics.md for every statistic's definition, binning and log base.
"""

from __future__ import annotations

from steward.core.monitoring.drift import DriftConfig, DriftReport, FeatureDrift, compare
from steward.core.monitoring.profile import (
    PREDICTION,
    PROBA,
    FeatureKind,
    FeatureProfile,
    Profile,
    build_reference,
    empty_like,
    profile_like,
)

__all__ = [
    "PREDICTION",
    "PROBA",
    "DriftConfig",
    "DriftReport",
    "FeatureDrift",
    "FeatureKind",
    "FeatureProfile",
    "Profile",
    "build_reference",
    "compare",
    "empty_like",
    "profile_like",
]
