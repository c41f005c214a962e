"""The monitoring report of one deployment: JSON, or one self-contained HTML page with inline SVG.

Everything comes from stored window profiles and figures, never from raw rows,
so the report's size depends on the number of features and windows, not on the
traffic: per-feature reference-vs-current histograms, the drift table, the
quality table, and drift, performance, latency and errors over time.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime
from typing import Any

from steward.core.charts import PALETTE, figure, to_svg
from steward.core.errors import InvalidInputError
from steward.core.monitoring.drift import compare
from steward.core.monitoring.profile import FeatureProfile, Profile
from steward.core.monitoring.quality import check_quality
from steward.services.monitoring import MonitoringService
from steward.services.row_windows import BLOCK

#: Histograms drawn at most (the drift and quality tables list every feature).
MAX_CHARTS = 40
SERIES = (
    "drift.share",
    "drift.weighted",
    "drift.multivariate",
    "performance.*",
    "estimated.*",
    "error_rate",
    "latency.p99",
    "requests",
)


def build_report(service: MonitoringService, deployment: str, window: str = "latest") -> dict[str, Any]:
    """The report as JSON-safe data. *window*: ``latest``, ``all``, or a window's start time (ISO)."""
    windows, references = service.windows(deployment)
    if not windows:
        raise InvalidInputError(
            f"Deployment {deployment!r} has no monitoring windows yet: "
            f"run `steward monitor run {deployment}`."
        )
    starts = sorted({w["start"] for w in windows})
    if window == "latest":
        chosen = {starts[-1]}
    elif window == "all":
        chosen = set(starts)
    else:
        try:
            at = datetime.fromisoformat(window)
        except ValueError:
            raise InvalidInputError(
                f"Bad window {window!r}: use latest, all, or a start time such as 2026-03-01T10:00."
            ) from None
        at = at if at.tzinfo else at.replace(tzinfo=starts[0].tzinfo)
        if at not in set(starts):
            raise InvalidInputError(
                f"No window starts at {window}; windows start from {starts[0].isoformat()} "
                f"to {starts[-1].isoformat()}."
            )
        chosen = {at}
    selected = [w for w in windows if w["start"] in chosen]
    if window == "latest" and any(BLOCK in w["traffic"] for w in windows):
        # rows:N windows start at each version's own times: the latest is per version
        newest: dict[str, datetime] = {}
        for w in windows:
            newest[w["version"]] = max(newest.get(w["version"], w["start"]), w["start"])
        selected = [w for w in windows if w["start"] == newest[w["version"]]]
        chosen = {w["start"] for w in selected}
    versions: dict[str, Any] = {}
    merged: dict[str, Profile] = {}
    for w in selected:
        if w["version"] in references and w["profile"]:
            profile = Profile.from_dict(w["profile"])
            merged[w["version"]] = merged[w["version"]].merge(profile) if w["version"] in merged else profile
    config = service.drift_config(deployment)
    for version, current in merged.items():
        reference = references[version]
        drift = compare(reference, current, config) if current.rows else None
        versions[version] = {
            "rows": current.rows,
            "drift": drift.to_dict() if drift else None,
            "quality": [
                {
                    "feature": q.feature,
                    "check": q.check,
                    "severity": q.severity,
                    "value": q.value,
                    "message": q.message,
                }
                for q in check_quality(reference, current)
            ],
            "histograms": {
                name: {"reference": _bars(reference.features[name]), "current": _bars(fp)}
                for name, fp in current.features.items()
            },
        }
    series: dict[str, dict[str, list[list[Any]]]] = defaultdict(dict)
    for pattern in SERIES:
        for f in service.figures(deployment, name=pattern, limit=100_000):
            series[f.name].setdefault(f.version, []).append([f.start.isoformat(), f.value])
    return {
        "deployment": deployment,
        "window": {
            "start": min(chosen).isoformat(),
            "end": max(w["end"] for w in selected).isoformat(),
            "count": len(chosen),
        },
        "versions": versions,
        "series": dict(series),
    }


def _bars(fp: FeatureProfile) -> dict[str, Any]:
    if fp.kind == "numeric":
        labels = [f"< {fp.edges[0]:.4g}"] if fp.edges else []
        labels += [f"{a:.4g}-{b:.4g}" for a, b in zip(fp.edges, fp.edges[1:], strict=False)]
        labels += [f"> {fp.edges[-1]:.4g}"] if fp.edges else []
    else:
        labels = [*fp.categories, "(other)"]
    return {"kind": fp.kind, "labels": labels, "counts": list(fp.counts), "missing": fp.missing}


def render_html(report: dict[str, Any]) -> str:
    """One HTML document: styles and charts inline, no scripts, nothing fetched."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Monitoring report: {e(report['deployment'])}</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
        ".drifted{color:#c44e52;font-weight:bold}"
        ".charts{display:flex;flex-wrap:wrap;gap:8px}.charts svg{width:420px;height:auto}"
        "</style></head><body>",
        f"<h1>Monitoring report: {e(report['deployment'])}</h1>",
        f"<p>Window {e(report['window']['start'])} to {e(report['window']['end'])} "
        f"({report['window']['count']} window(s)).</p>",
    ]
    for version, data in report["versions"].items():
        parts.append(f"<h2>{e(version)}: {data['rows']} rows</h2>")
        drift = data["drift"]
        if drift:
            parts.append(
                f"<p>Drifted share {drift['drifted_share']:.2f}; dataset drift: "
                f"<b>{'yes' if drift['dataset_drift'] else 'no'}</b>.</p>"
            )
            parts.append("<h3>Drift</h3><table><tr><th>feature</th><th>method</th><th>score</th><th>threshold</th>"
                         "<th>p (adjusted)</th><th>drifted</th><th>note</th></tr>")  # fmt: skip
            for f in drift["features"]:
                cls = " class='drifted'" if f["drifted"] else ""
                parts.append(
                    f"<tr{cls}><td>{e(f['feature'])}</td><td>{e(f['method'])}</td><td>{_num(f['score'])}</td>"
                    f"<td>{_num(f['threshold'])}</td><td>{_num(f['p_adjusted'])}</td>"
                    f"<td>{'yes' if f['drifted'] else 'no'}</td>"
                    f"<td>{e(f.get('note') or '')}</td></tr>"
                )
            parts.append("</table>")
        parts.append("<h3>Data quality</h3>")
        if data["quality"]:
            parts.append(
                "<table><tr><th>feature</th><th>check</th><th>severity</th><th>value</th><th>message</th></tr>"
            )
            for q in data["quality"]:
                parts.append(
                    f"<tr><td>{e(str(q['feature'] or ''))}</td><td>{e(q['check'])}</td>"
                    f"<td>{e(q['severity'])}</td>"
                    f"<td>{_num(q['value'])}</td><td>{e(q['message'])}</td></tr>"
                )
            parts.append("</table>")
        else:
            parts.append("<p>No issues.</p>")
        parts.append("<h3>Reference vs current</h3><div class='charts'>")
        for name, bars in list(data["histograms"].items())[:MAX_CHARTS]:
            parts.append(_histogram(name, bars["reference"], bars["current"]))
        parts.append("</div>")
    parts.append("<h2>Over time</h2><div class='charts'>")
    for name, by_version in report["series"].items():
        parts.append(_line(name, by_version))
    parts.append("</div></body></html>")
    return "".join(parts)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}"


def _histogram(name: str, reference: dict[str, Any], current: dict[str, Any]) -> str:
    fig, ax = figure(5.0, 2.6)
    ref_total, cur_total = sum(reference["counts"]) or 1, sum(current["counts"]) or 1
    xs = range(len(reference["labels"]))
    ax.bar(
        [x - 0.2 for x in xs],
        [c / ref_total for c in reference["counts"]],
        0.4,
        color=PALETTE[0],
        label="reference",
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [c / cur_total for c in current["counts"]],
        0.4,
        color=PALETTE[1],
        label="current",
    )
    ax.set_xticks(list(xs), reference["labels"], rotation=45, ha="right", fontsize=6)
    ax.set_title(name, fontsize=9)
    ax.set_ylabel("share", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return to_svg(fig)


def _line(name: str, by_version: dict[str, list[list[Any]]]) -> str:
    fig, ax = figure(5.0, 2.4)
    for i, (version, points) in enumerate(sorted(by_version.items())):
        xs = [datetime.fromisoformat(p[0]) for p in points]
        ys = [p[1] if p[1] is not None else float("nan") for p in points]
        ax.plot(xs, ys, marker="o", markersize=3, color=PALETTE[i % len(PALETTE)], label=version)
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    fig.autofmt_xdate()
    return to_svg(fig)
