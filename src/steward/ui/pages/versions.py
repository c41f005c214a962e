"""The version page (metadata, signature, lineage, validation, explanations, fairness, card, approvals)
and its actions: move an alias here (operators), request approval (contributors)."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from steward.core.card_export import FORMATS
from steward.core.errors import PolicyViolationError
from steward.core.explain.charts import to_chart
from steward.core.permissions import Permission
from steward.core.registry import ModelRef, check_version_number
from steward.services.overview import VersionOverview
from steward.services.validation_report import plots
from steward.ui.chart_cache import ChartCache, chart_cache
from steward.ui.lineage import lineage_svg
from steward.ui.render import page
from steward.ui.session import read_form, required, viewer_of

router = APIRouter()

CHARTED = ("global", "pdp")  # explanation kinds drawn on the page: importance bars, partial dependence


def version_url(name: str, number: int) -> str:
    return f"/models/{quote(name)}/versions/{number}"


def explanation_svg(result: dict[str, Any]) -> str:
    return to_chart(result).decode()


def charts_of(overview: VersionOverview, cache: ChartCache) -> list[tuple[str, str]]:
    """(SVG, caption) of the latest importance and partial-dependence explanations."""
    out = []
    for kind in CHARTED:
        found = overview.latest_explanation(kind)
        if found is not None:
            caption = f"{found.kind} ({found.request.method}) by {found.created_by}"
            key = ("explanation", found.id, found.created_at)
            chart = cache.get(key, partial(explanation_svg, found.result))
            out.append((chart, caption))
    return out


def run_plots(overview: VersionOverview, cache: ChartCache) -> list[tuple[str, str]]:
    """(SVG, caption) of the latest validation run's plots."""
    run = overview.latest_run
    return cache.get(("run", run.id, run.created_at), partial(plots, run)) if run is not None else []


def fairness_of(overview: VersionOverview) -> list[Any]:
    """The latest run's fairness checks (each with its groups' rates)."""
    run = overview.latest_run
    return [c for c in run.checks if c.kind == "fairness"] if run else []


@router.get("/models/{name}/versions/{number}")
def version_page(request: Request, name: str, number: str) -> Response:
    viewer = viewer_of(request)
    overview = viewer.steward.overview.version(name, number)
    model = overview.version.model
    cache = chart_cache(request)
    return page(
        request,
        "version.html",
        viewer,
        o=overview,
        v=overview.version,
        lineage=lineage_svg(overview.version),
        run_plots=run_plots(overview, cache),
        explanation_charts=charts_of(overview, cache),
        fairness=fairness_of(overview),
        can_alias=viewer.can(Permission.ALIAS, model),
        can_request=viewer.can(Permission.REQUEST_APPROVAL, model),
        card_formats=FORMATS,
    )


@router.get("/models/{name}/versions/{number}/validation/{run_id}")
def validation_report(request: Request, name: str, number: str, run_id: int) -> Response:
    viewer = viewer_of(request)
    ref = ModelRef(name, version=check_version_number(number))
    return HTMLResponse(viewer.steward.validation.report_html(run_id, ref))


@router.get("/models/{name}/versions/{number}/card.{fmt}")
def card_export(request: Request, name: str, number: str, fmt: str) -> Response:
    viewer = viewer_of(request)
    text = viewer.steward.cards.export(f"{name}/{check_version_number(number)}", fmt[:8])
    if fmt == "html":
        return HTMLResponse(text)
    media = "application/json" if fmt == "json" else "text/markdown; charset=utf-8"
    return PlainTextResponse(text, media_type=media)


@router.post("/models/{name}/versions/{number}/alias")
async def move_alias(request: Request, name: str, number: str) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    alias = required(fields, "alias", "Alias", limit=64)
    reason = required(fields, "reason", "Reason")
    version = check_version_number(number)
    try:
        viewer.steward.registry.set_alias(name, alias, version, actor=viewer.actor, reason=reason)
    except PolicyViolationError as refused:
        return page(
            request,
            "version_refused.html",
            viewer,
            status=403,
            message=refused.message,
            unmet=refused.unmet,
            back=version_url(name, version),
        )
    return RedirectResponse(version_url(name, version), status_code=303)


@router.post("/models/{name}/versions/{number}/approval")
async def request_approval(request: Request, name: str, number: str) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    target = required(fields, "target", "Target alias", limit=64)
    reason = required(fields, "reason", "Reason")
    version = check_version_number(number)
    viewer.steward.approvals.request(f"{name}/{version}", target, actor=viewer.actor, reason=reason)
    return RedirectResponse(version_url(name, version) + "#approvals", status_code=303)
