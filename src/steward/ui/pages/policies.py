"""Published policies (name, version, YAML) and the policy check of a version for an alias."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steward.core.errors import InvalidInputError
from steward.core.permissions import Permission
from steward.ui.render import page
from steward.ui.session import viewer_of

router = APIRouter()


@router.get("/policies")
def policies(request: Request) -> Response:
    viewer = viewer_of(request)
    return page(request, "policies.html", viewer, policies=viewer.steward.policies.list())


@router.get("/policies/check")
def policy_check(request: Request, ref: str = "", alias: str = "") -> Response:
    viewer = viewer_of(request)
    ref, alias = ref.strip()[:300], alias.strip()[:300]
    if bool(ref) != bool(alias):
        missing = "the target alias" if ref else "the version (model/number)"
        raise InvalidInputError(f"Name {missing} too: a check is of one version for one alias.")
    result = viewer.steward.policies.check(ref, alias) if ref else None
    return page(
        request,
        "policies_check.html",
        viewer,
        ref=ref,
        alias=alias,
        result=result,
        can_request=result is not None and viewer.can(Permission.REQUEST_APPROVAL, result.model),
    )
