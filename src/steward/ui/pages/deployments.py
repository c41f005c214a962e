"""Deployments: what each serves, its revisions and live traffic; weights, promote, roll back, kill.

Every action calls the deployment service exactly as the REST routes do
(``api/routes/deployments.py``): ``set_weights``, ``promote``, ``rollback``, ``kill`` and ``revive``,
which check the permission and write the revision and its audit event together.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.core.deployment import Deployment, Route
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.permissions import Permission
from steward.core.registry import ModelRef
from steward.ui.ops_charts import live_charts, split_bar
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import Viewer, read_form, required, viewer_of

router = APIRouter()

WEIGHT_FIELD = "weight:"
#: The live charts' span and buckets (refreshed every few seconds by console.js).
LIVE_MINUTES, LIVE_BUCKETS = 15, 30


def may(viewer: Viewer, permission: Permission, deployment: Deployment) -> bool:
    """Whether to offer an action on *deployment*: the permission on every model it routes to."""
    spec = deployment.spec
    refs = [r.ref for r in spec.routes] + list(spec.shadows) + ([spec.fallback] if spec.fallback else [])
    models: list[str | None] = [*sorted({ModelRef.parse(r).model for r in refs})] or [None]
    return all(viewer.can(permission, m) for m in models)


@router.get("/deployments")
def deployments(request: Request) -> Response:
    viewer = viewer_of(request)
    paging = paging_of(request)
    found = viewer.steward.deployments.list()
    rows = found[paging.offset : paging.offset + paging.size]
    killed = {k.ref for k in viewer.steward.deployments.killed_versions()}
    links = page_links(request, paging, len(found) > paging.offset + paging.size)
    return page(request, "deployments.html", viewer, rows=rows, killed=killed, links=links)


@router.get("/deployments/{name}")
def deployment(request: Request, name: str) -> Response:
    viewer = viewer_of(request)
    service = viewer.steward.deployments
    current = service.get(name)
    paging = paging_of(request)
    history = service.history(name)[::-1]
    try:
        resolved = {r.ref: r.version.ref for r in service.resolve(name).routes}
    except NotFoundError:  # an alias was removed since: the page still shows the spec
        resolved = {}
    spec = current.spec
    return page(
        request,
        "deployment.html",
        viewer,
        d=current,
        resolved=resolved,
        split=split_bar([(r.ref, r.weight) for r in spec.routes], stopped=spec.killed is not None),
        canary=min(spec.routes, key=lambda r: r.weight).ref,
        history=history[paging.offset : paging.offset + paging.size],
        links=page_links(request, paging, len(history) > paging.offset + paging.size),
        live=live_fragment_context(viewer, name),
        can_deploy=may(viewer, Permission.DEPLOY, current),
        can_kill=may(viewer, Permission.KILL_SWITCH, current),
    )


def live_fragment_context(viewer: Viewer, name: str) -> dict[str, object]:
    traffic = viewer.steward.live.recent(name, minutes=LIVE_MINUTES, buckets=LIVE_BUCKETS)
    return {"traffic": traffic, "chart": live_charts(traffic) if traffic.requests else ""}


@router.get("/deployments/{name}/live")
def live(request: Request, name: str) -> Response:
    """The live traffic as an HTML fragment (the deployment page re-fills it every few seconds)."""
    viewer = viewer_of(request)
    viewer.steward.deployments.get(name)
    return page(request, "deployment_live.html", viewer, name=name, live=live_fragment_context(viewer, name))


def parse_weights(fields: dict[str, str], current: Deployment) -> list[Route]:
    """One weight per current route, from ``weight:<ref>`` fields; nothing else is accepted."""
    known = {r.ref for r in current.spec.routes}
    given = {k[len(WEIGHT_FIELD) :]: v for k, v in fields.items() if k.startswith(WEIGHT_FIELD)}
    if unknown := sorted(set(given) - known):
        raise InvalidInputError(
            f"{', '.join(unknown)[:200]} is not a route of {current.name}; "
            f"its routes are {', '.join(sorted(known))}. Reload the page."
        )
    if missing := sorted(known - set(given)):
        raise InvalidInputError(f"Give a weight for every route; missing: {', '.join(missing)}.")
    routes = []
    for route in current.spec.routes:
        text = given[route.ref].strip()
        try:
            weight = float(text)
        except ValueError:
            raise InvalidInputError(
                f"The weight of {route.ref} must be a number from 0 to 100, not {text[:20]!r}."
            ) from None
        if not math.isfinite(weight):
            raise InvalidInputError(f"The weight of {route.ref} must be a number from 0 to 100.")
        routes.append(Route(route.ref, weight))
    return routes


async def reasoned_form(request: Request) -> tuple[Viewer, dict[str, str], str]:
    """The viewer, the checked form and its required reason: what every action starts with."""
    viewer = viewer_of(request)
    fields = await read_form(request)
    return viewer, fields, required(fields, "reason", "Reason")


def back_to(name: str) -> Response:
    return RedirectResponse(f"/deployments/{name}", status_code=303)


@router.post("/deployments/{name}/weights")
async def change_weights(request: Request, name: str) -> Response:
    viewer, fields, reason = await reasoned_form(request)
    service = viewer.steward.deployments
    routes = parse_weights(fields, service.get(name))
    service.set_weights(name, routes, actor=viewer.actor, reason=reason)
    return back_to(name)


@router.post("/deployments/{name}/promote")
async def promote(request: Request, name: str) -> Response:
    viewer, fields, reason = await reasoned_form(request)
    ref = required(fields, "ref", "The route to promote", limit=300)
    viewer.steward.deployments.promote(name, ref, actor=viewer.actor, reason=reason)
    return back_to(name)


@router.post("/deployments/{name}/rollback")
async def rollback(request: Request, name: str) -> Response:
    viewer, _, reason = await reasoned_form(request)
    viewer.steward.deployments.rollback(name, actor=viewer.actor, reason=reason)
    return back_to(name)


@router.post("/deployments/{name}/kill")
async def kill(request: Request, name: str) -> Response:
    viewer, _, reason = await reasoned_form(request)
    viewer.steward.deployments.kill(name, actor=viewer.actor, reason=reason)
    return back_to(name)


@router.post("/deployments/{name}/revive")
async def revive(request: Request, name: str) -> Response:
    viewer, _, reason = await reasoned_form(request)
    viewer.steward.deployments.revive(name, actor=viewer.actor, reason=reason)
    return back_to(name)
