"""A deployment's rollout: its steps, the challenger's weight, every guardrail's reading against its
limit, the history; and an abort button for operators. Reads and the abort call the rollout
service exactly as the REST routes do (``api/routes/rollouts.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.errors import NotFoundError
from steward.core.permissions import Permission
from steward.core.rollout_records import RolloutStatus
from steward.ui.pages.deployments import back_to, may, reasoned_form
from steward.ui.render import page
from steward.ui.rollout_chart import weight_svg
from steward.ui.session import viewer_of

router = APIRouter()


@router.get("/deployments/{name}/rollout")
def rollout(request: Request, name: str) -> Response:
    viewer = viewer_of(request)
    deployment = viewer.steward.deployments.get(name)
    service = viewer.steward.rollouts
    try:
        status: RolloutStatus | None = service.status(name)
    except NotFoundError:
        status = None
    return page(
        request,
        "rollout.html",
        viewer,
        d=deployment,
        found=status,
        guardrails=guardrail_rows(status) if status is not None else [],
        chart=weight_svg(status.rollout) if status is not None else None,
        earlier=service.list(name, limit=20),
        can_abort=may(viewer, Permission.DEPLOY, deployment),
    )


def guardrail_rows(status: RolloutStatus) -> list[tuple[str, str, str, str]]:
    """(guardrail, reading, limit, state: holds, broken or no reading) for every guardrail the plan sets."""
    g = status.rollout.plan.guardrails
    c, base = status.challenger, status.champion
    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, value: float | None, limit: float | None, fmt: str, *, below: bool = False) -> None:
        if limit is None:
            return
        reading = "-" if value is None else format(value, fmt)
        broken = value is not None and (value < limit if below else value > limit)
        state = "no reading" if value is None else "broken" if broken else "holds"
        rows.append((label, reading, ("≥ " if below else "≤ ") + format(limit, fmt), state))

    rate = c.error_rate if c else None
    base_rate = base.error_rate if base else None
    add("Error rate", rate, g.max_error_rate, ".2%")
    increase = rate - base_rate if rate is not None and base_rate is not None else None
    add("Error rate above the champion's", increase, g.max_error_increase, ".2%")
    add("p99 latency (ms)", c.p99_ms if c else None, g.max_p99_ms, ".1f")
    ratio = c.p99_ms / base.p99_ms if c and base and c.p99_ms is not None and base.p99_ms else None
    add("p99 over the champion's (x)", ratio, g.max_p99_ratio, ".2f")
    add(f"Prediction drift ({g.drift_statistic})", c.drift if c else None, g.max_drift, ".3f")
    add(
        f"{g.metric} (labelled rows: {c.labelled if c else 0})",
        c.metric if c else None,
        g.min_metric,
        ".4f",
        below=True,
    )
    return rows


@router.post("/deployments/{name}/rollout/abort")
async def abort(request: Request, name: str) -> Response:
    viewer, _, reason = await reasoned_form(request)
    viewer.steward.rollouts.abort(name, actor=viewer.actor, reason=reason)
    return back_to(f"{name}/rollout")
