"""Content-addressed blobs: the SDK uploads a model's files before registering it."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from steward.api.deps import Actor, get_steward
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.permissions import Permission

router = APIRouter(prefix="/api/v1/artifacts", tags=["artifacts"])
DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def _check(digest: str) -> str:
    if not DIGEST_RE.match(digest):
        raise InvalidInputError(f"Invalid artifact digest {digest[:80]!r}: expected 64 lowercase hex digits.")
    return digest


@router.put("/{digest}", status_code=201, summary="Upload a blob; its sha256 must equal the digest")
async def put_artifact(digest: str, request: Request, actor: Actor) -> dict[str, Any]:
    _check(digest)
    steward = get_steward(request)
    await run_in_threadpool(steward.access.require_somewhere, actor, Permission.REGISTER)
    artifacts = steward.artifacts
    if await run_in_threadpool(artifacts.exists, digest):
        return {"digest": digest, "created": False}
    hasher = hashlib.sha256()
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
        async for chunk in request.stream():
            hasher.update(chunk)
            spool.write(chunk)
        if hasher.hexdigest() != digest:
            raise InvalidInputError(
                f"The uploaded body hashes to {hasher.hexdigest()}, not {digest}: "
                "it was changed or cut short in transit; upload it again."
            )
        spool.seek(0)
        await run_in_threadpool(artifacts.put_stream, spool)  # type: ignore[arg-type]
    return {"digest": digest, "created": True}


@router.head("/{digest}", summary="Whether a blob exists")
def head_artifact(digest: str, request: Request) -> Response:
    _check(digest)
    if not get_steward(request).artifacts.exists(digest):
        raise NotFoundError(f"No artifact {digest}.")
    return Response(status_code=200)


@router.get("/{digest}", summary="Download a blob, verified against its digest")
def get_artifact(digest: str, request: Request) -> FileResponse:
    _check(digest)
    artifacts = get_steward(request).artifacts
    folder = Path(tempfile.mkdtemp(prefix="steward-dl-"))
    target = folder / digest
    try:
        artifacts.get_file(digest, target)
    except BaseException:
        _remove(folder)
        raise
    return FileResponse(
        target, media_type="application/octet-stream", background=BackgroundTask(_remove, folder)
    )


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
