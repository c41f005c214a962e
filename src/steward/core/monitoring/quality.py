"""Data-quality checks of a window against the reference, from their profiles alone.

Each check says what is wrong in words a user can act on; the drift computation runs regardless (a
missing column is reported here and skipped there, never an exception).
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.monitoring.profile import FeatureProfile, Profile

CHECKS = (
    "missing_column",
    "extra_column",
    "type_mismatch",
    "missing_rate",
    "out_of_range",
    "unseen_categories",
    "constant",
    "empty_window",
)
#: A missing-rate jump (current minus reference) above this is a warning.
MISSING_RATE_JUMP = 0.05
#: A share of values outside the reference's range (or categories) above this is a warning (below, info).
OUT_OF_RANGE_WARNING = 0.01

NUMBER_TYPES = ("int", "uint", "float", "double", "halffloat", "decimal")


@dataclass(frozen=True)
class QualityIssue:
    feature: str | None
    check: str
    severity: str  # "info" | "warning" | "error"
    value: float | None
    message: str


def _family(dtype: str) -> set[str]:
    found = set()
    for part in filter(None, dtype.split("|")):
        if part.startswith(NUMBER_TYPES):
            found.add("number")
        elif part == "bool":
            found.add("bool")
        elif part in ("string", "large_string"):
            found.add("string")
        elif part != "null":
            found.add(part)
    return found


def _type_mismatch(ref: FeatureProfile, cur: FeatureProfile) -> QualityIssue | None:
    expected, seen = _family(ref.dtype), _family(cur.dtype)
    if not expected or not seen or seen <= expected:
        return None
    strange = ", ".join(sorted(seen - expected))
    numeric_lost = ref.kind == "numeric" and not seen <= {"number", "bool"}
    return QualityIssue(
        ref.name,
        "type_mismatch",
        "error" if numeric_lost else "warning",
        None,
        f"Feature {ref.name!r} arrived as {strange} but the reference was {ref.dtype}"
        + ("; values that are not numbers are counted as missing." if numeric_lost else "."),
    )


def _feature_issues(ref: FeatureProfile, cur: FeatureProfile) -> list[QualityIssue]:
    name = ref.name
    issues: list[QualityIssue] = []
    mismatch = _type_mismatch(ref, cur)
    if mismatch:
        issues.append(mismatch)
    seen = cur.count + cur.missing
    if seen and cur.count == 0:
        issues.append(
            QualityIssue(name, "missing_rate", "error", 1.0, f"Feature {name!r} is missing in every row.")
        )
    elif seen and cur.missing_rate - ref.missing_rate > MISSING_RATE_JUMP:
        issues.append(
            QualityIssue(
                name,
                "missing_rate",
                "warning",
                cur.missing_rate,
                f"Feature {name!r} is missing in {cur.missing_rate:.1%} of rows "
                f"(the reference: {ref.missing_rate:.1%}).",
            )
        )
    if cur.count == 0:
        return issues
    if ref.kind == "numeric" and len(cur.sketch_counts) > 1:
        outside = (cur.sketch_counts[0] + cur.sketch_counts[-1]) / cur.count
        if outside > 0:
            issues.append(
                QualityIssue(
                    name,
                    "out_of_range",
                    "warning" if outside > OUT_OF_RANGE_WARNING else "info",
                    outside,
                    f"{outside:.2%} of {name!r} lies outside the reference's range "
                    f"[{ref.minimum:.6g}, {ref.maximum:.6g}] "
                    f"(window: [{cur.minimum:.6g}, {cur.maximum:.6g}]).",
                )
            )
        if cur.count > 1 and cur.minimum == cur.maximum and ref.minimum != ref.maximum:
            issues.append(
                QualityIssue(
                    name,
                    "constant",
                    "warning",
                    cur.minimum,
                    f"Feature {name!r} is constant ({cur.minimum:.6g}).",
                )
            )
    elif ref.kind != "numeric":
        other_ref = ref.counts[-1] / ref.count if ref.count else 0.0
        other_cur = cur.counts[-1] / cur.count
        if other_cur > 0 and (other_ref == 0 or other_cur > 2 * other_ref + OUT_OF_RANGE_WARNING):
            what = "unseen" if other_ref == 0 else "rare or unseen"
            issues.append(
                QualityIssue(
                    name,
                    "unseen_categories",
                    "warning" if other_cur > OUT_OF_RANGE_WARNING else "info",
                    other_cur,
                    f"{other_cur:.2%} of {name!r} has {what} categories (the reference: {other_ref:.2%}).",
                )
            )
        used = sum(1 for c in cur.counts if c)
        if cur.count > 1 and used == 1 and sum(1 for c in ref.counts if c) > 1:
            issues.append(
                QualityIssue(name, "constant", "warning", None, f"Feature {name!r} has a single value.")
            )
    return issues


def check_quality(reference: Profile, current: Profile) -> tuple[QualityIssue, ...]:
    """Every quality issue of *current* against *reference*: errors first, then warnings, then info."""
    if current.rows == 0:
        return (
            QualityIssue(None, "empty_window", "error", 0.0, "The window has no rows: nothing to compare."),
        )
    issues: list[QualityIssue] = []
    seen = set(current.columns_seen)
    for name, ref in reference.features.items():
        if name not in seen:
            issues.append(
                QualityIssue(
                    name, "missing_column", "error", None, f"Column {name!r} of the reference is missing."
                )
            )
        elif name in current.features:
            issues.extend(_feature_issues(ref, current.features[name]))
    for name in sorted(seen - set(reference.features)):
        issues.append(
            QualityIssue(
                name,
                "extra_column",
                "info",
                None,
                f"Column {name!r} is not in the reference; it is not monitored.",
            )
        )
    order = {"error": 0, "warning": 1, "info": 2}
    return tuple(sorted(issues, key=lambda i: order[i.severity]))
