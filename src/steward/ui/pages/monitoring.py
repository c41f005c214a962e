"""Monitoring: drift over time per deployment, a window's histograms, data quality, performance, alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.services import monitoring_view
from steward.services.monitoring_view import MonitoringView, VersionWindow
from steward.ui.chart_cache import ChartCache, chart_cache
from steward.ui.ops_charts import Points, panels
from steward.ui.ops_charts import histograms as chart
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()

#: Histograms drawn per version at most (drifted features first); the drift table lists every feature.
MAX_HISTOGRAMS = 12
#: Versions whose per-feature drift is drawn (the table below lists every version's).
MAX_VERSIONS = 2
#: Windows offered in the window picker (the newest).
MAX_PICKER = 200


@dataclass(frozen=True)
class Histograms:
    features: tuple[str, ...]  # drawn, drifted first
    total: int
    svg: str


@router.get("/monitoring")
def monitoring(request: Request) -> Response:
    viewer = viewer_of(request)
    steward = viewer.steward
    paging = paging_of(request)
    names = [d.name for d in steward.deployments.list()]
    shown = names[paging.offset : paging.offset + paging.size]
    rows = monitoring_view.overview(steward.monitoring, steward.alerts, shown)
    links = page_links(request, paging, len(names) > paging.offset + paging.size)
    return page(request, "monitoring.html", viewer, rows=rows, links=links)


@router.get("/monitoring/{deployment}")
def deployment_monitoring(request: Request, deployment: str, window: str = "") -> Response:
    viewer = viewer_of(request)
    steward = viewer.steward
    view = monitoring_view.view(steward.monitoring, steward.deployments, deployment, window[:60])
    cache = chart_cache(request)
    paging = paging_of(request)
    alerts = steward.alerts.list_alerts(deployment=deployment, limit=paging.offset + paging.fetch)
    return page(
        request,
        "monitoring_deployment.html",
        viewer,
        view=view,
        charts=charts(view, cache),
        histograms={v.version: histograms(v, cache) for v in view.versions},
        picker=view.starts[:MAX_PICKER],
        alerts=alerts[paging.offset : paging.offset + paging.size],
        links=page_links(request, paging, len(alerts) > paging.offset + paging.size),
    )


Chart = tuple[str, Mapping[str, Points], float | None]


def charts(view: MonitoringView, cache: ChartCache | None = None) -> dict[str, str]:
    """The over-time charts, one SVG per group: drift, performance, traffic."""
    out: dict[str, str] = {}
    drift: list[Chart] = []
    if view.drift_share:
        drift.append(("share of features drifted", view.drift_share, view.share_threshold))
    versions = sorted({v for series in view.drift_scores.values() for v in series})
    for version in versions[:MAX_VERSIONS]:
        by_feature = {f: s[version] for f, s in sorted(view.drift_scores.items()) if version in s}
        drift.append((f"{version}: drift score / threshold", by_feature, 1.0))
    if drift:
        out["drift"] = panels(drift, cache=cache)
    performance: list[Chart] = []
    for prefix, title in (("performance.", "performance (labels)"), ("estimated.", "estimated performance")):
        lines = {
            f"{name.removeprefix(prefix)} {version}": points
            for name, series in sorted(view.performance.items())
            if name.startswith(prefix)
            for version, points in sorted(series.items())
        }
        if lines:
            performance.append((title, lines, None))
    if performance:
        out["performance"] = panels(performance, cols=2, cache=cache)
    traffic: list[Chart] = [(name, series, None) for name, series in view.traffic.items() if series]
    if traffic:
        out["traffic"] = panels(traffic, cache=cache)
    return out


def histograms(version: VersionWindow, cache: ChartCache | None = None) -> Histograms | None:
    """Reference-vs-window histograms of one version's features, drifted ones first, in one SVG."""
    if version.reference is None or version.current is None or not version.current.rows:
        return None
    drifted = {f.feature for f in version.drift.features if f.drifted} if version.drift else set()
    names = [n for n in version.current.features if n in version.reference.features]
    names.sort(key=lambda n: (n not in drifted, n))
    shown = names[:MAX_HISTOGRAMS]
    if not shown:
        return None
    pairs = [(version.reference.features[n], version.current.features[n]) for n in shown]
    return Histograms(tuple(shown), len(names), chart(pairs, cache=cache))
