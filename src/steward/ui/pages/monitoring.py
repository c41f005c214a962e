"""Monitoring: drift over time per deployment, a window's histograms, data quality, performance, alerts."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.monitoring.drift import FeatureDrift
from steward.core.monitoring.plots import feature_plot
from steward.services import monitoring_view
from steward.services.monitoring_view import MonitoringView, VersionWindow
from steward.ui.ops_charts import lines
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()

#: Histograms drawn per version at most (drifted features first); the drift table lists every feature.
MAX_HISTOGRAMS = 24
#: Windows offered in the window picker (the newest).
MAX_PICKER = 200


@dataclass(frozen=True)
class Histogram:
    feature: str
    drift: FeatureDrift | None
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
    paging = paging_of(request)
    alerts = steward.alerts.list_alerts(deployment=deployment, limit=paging.offset + paging.fetch)
    return page(
        request,
        "monitoring_deployment.html",
        viewer,
        view=view,
        charts=charts(view),
        histograms={v.version: histograms(v) for v in view.versions},
        picker=view.starts[:MAX_PICKER],
        alerts=alerts[paging.offset : paging.offset + paging.size],
        links=page_links(request, paging, len(alerts) > paging.offset + paging.size),
    )


def charts(view: MonitoringView) -> dict[str, str]:
    """The over-time charts: drifted share, per-feature drift per version, performance, traffic."""
    out: dict[str, str] = {}
    if view.drift_share:
        out["drift share"] = lines(view.drift_share, "share of features drifted", "share", view.share_threshold)
    versions = sorted({v for series in view.drift_scores.values() for v in series})
    for version in versions:
        by_feature = {f: s[version] for f, s in sorted(view.drift_scores.items()) if version in s}
        out[f"drift {version}"] = lines(by_feature, f"{version}: drift score / threshold", "", 1.0)
    for name, series in sorted(view.performance.items()):
        out[name] = lines(series, name, "")
    for name, series in view.traffic.items():
        if series:
            out[name] = lines(series, name, "ms" if name.startswith("latency") else "")
    return out


def histograms(version: VersionWindow) -> list[Histogram]:
    """Reference-vs-window histograms of one version's features, drifted ones first."""
    if version.reference is None or version.current is None or not version.current.rows:
        return []
    drift = {f.feature: f for f in version.drift.features} if version.drift else {}
    names = [n for n in version.current.features if n in version.reference.features]
    names.sort(key=lambda n: (not (drift.get(n) and drift[n].drifted), n))
    return [
        Histogram(n, drift.get(n), feature_plot(version.reference.features[n], version.current.features[n]))
        for n in names[:MAX_HISTOGRAMS]
    ]
