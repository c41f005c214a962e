"""Retraining: every run (skipped triggers included), one run with its log tail, and cancel.

Cancel calls :meth:`RetrainingService.cancel` exactly as the REST route does; it checks
the permission and writes the run's state and its audit event together.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.permissions import Permission
from steward.core.registry import check_model_name
from steward.ui.paging import page_links, paging_of
from steward.ui.render import page
from steward.ui.session import read_form, viewer_of

router = APIRouter()

LOG_LINES = 200
LIST_MAX = 1000


@router.get("/retraining")
def runs(request: Request, model: str | None = None) -> Response:
    viewer = viewer_of(request)
    if model:
        check_model_name(model)
    paging = paging_of(request)
    service = viewer.steward.retraining
    found = service.runs(model or None, limit=LIST_MAX)
    rows = found[paging.offset : paging.offset + paging.size]
    links = page_links(request, paging, len(found) > paging.offset + paging.size)
    configs = [c for c in service.configs() if not model or c.config.model == model]
    return page(
        request, "retraining.html", viewer, rows=rows, links=links, configs=configs, model=model or ""
    )


@router.get("/retraining/{run_id}")
def run(request: Request, run_id: int) -> Response:
    viewer = viewer_of(request)
    found = viewer.steward.retraining.get_run(run_id)
    try:
        log = viewer.steward.retraining.logs(run_id, tail=LOG_LINES)
    except NotFoundError as exc:  # the log lives on the machine that ran it
        log = str(exc)
    can_cancel = found.active and viewer.can(Permission.MONITOR, found.model)
    return page(request, "retraining_run.html", viewer, r=found, log=log, can_cancel=can_cancel)


@router.post("/retraining/{run_id}/cancel")
async def cancel(request: Request, run_id: int) -> Response:
    viewer = viewer_of(request)
    fields = await read_form(request)
    reason = fields.get("reason", "").strip()
    if len(reason) > 1000:
        raise InvalidInputError("A reason is at most 1000 characters.")
    viewer.steward.retraining.cancel(run_id, actor=viewer.actor, reason=reason)
    return RedirectResponse(f"/retraining/{run_id}", status_code=303)
