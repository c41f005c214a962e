"""Refuse oversized request bodies before they are read into memory."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_ARTIFACT_BYTES = 8 * 1024 * 1024 * 1024
ARTIFACT_PREFIX = "/api/v1/artifacts/"


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """413 for a body over the limit: artifact uploads get a large one, JSON a small one."""

    def __init__(
        self, app: ASGIApp, max_json: int = MAX_JSON_BYTES, max_artifact: int = MAX_ARTIFACT_BYTES
    ) -> None:
        self.app = app
        self.max_json = max_json
        self.max_artifact = max_artifact

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.max_artifact if path.startswith(ARTIFACT_PREFIX) else self.max_json
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "bad_request", "Invalid Content-Length header.")
                    return
                if declared > limit:
                    await _too_large(send, limit)
                    return
        if not path.startswith(ARTIFACT_PREFIX):
            await self._buffered(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Read a small body whole (refusing it past *limit*), then hand it on."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _too_large(send: Send, limit: int) -> None:
    await _reply(
        send, 413, "payload_too_large", f"Request body is larger than {limit} bytes; send less data per call."
    )


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "details": {}}}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
