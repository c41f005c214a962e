"""Plain ASGI plumbing for the data plane: headers, bodies with a size limit, JSON answers.

No framework on the request path. JSON goes through orjson (several times
faster than the standard library on prediction arrays); NaN never reaches the
wire (the codecs turn it into null).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson

from steward.core.errors import InvalidInputError
from steward.serving.binary import parse_header_length
from steward.serving.errors import PayloadTooLargeError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_BODY = 16 * 1024 * 1024
JSON_TYPE = b"application/json"


def dumps(value: Any) -> bytes:
    data: bytes = orjson.dumps(value)
    return data


def _loads(data: bytes) -> Any:
    return orjson.loads(data)


_DECODE_ERRORS: tuple[type[Exception], ...] = (orjson.JSONDecodeError, UnicodeDecodeError)


def loads(data: bytes) -> Any:
    """Parse a JSON body; InvalidInputError saying where it broke."""
    if not data.strip():
        raise InvalidInputError("The request body is empty: send a JSON object.")
    try:
        return _loads(data)
    except _DECODE_ERRORS as exc:
        raise InvalidInputError(f"The body is not valid JSON: {exc}.") from None


class Disconnected(Exception):
    """The client went away before sending its whole body; there is no one to answer."""


@dataclass
class RequestHeaders:
    """The few headers the data plane reads, found in one pass."""

    content_type: bytes = b""
    content_length: int | None = None
    #: ``Inference-Header-Content-Length``: the JSON part's size in a binary-extension request.
    header_length: int | None = None
    sticky: bytes | None = None
    request_id: str | None = None


def read_headers(scope: Scope, sticky_header: bytes | None) -> RequestHeaders:
    found = RequestHeaders()
    for name, value in scope["headers"]:
        if name == b"content-type":
            found.content_type = value.split(b";", 1)[0].strip().lower()
        elif name == b"content-length":
            try:
                found.content_length = int(value)
            except ValueError:
                raise InvalidInputError("Content-Length is not a number.") from None
        elif name == b"inference-header-content-length":
            found.header_length = parse_header_length(value)
        elif name == b"x-request-id":
            found.request_id = value.decode("latin-1")[:128]
        elif sticky_header is not None and name == sticky_header:
            found.sticky = value
    return found


async def read_body(receive: Receive, headers: RequestHeaders, limit: int) -> bytes:
    """The whole body, refusing more than *limit* bytes (before reading, when Content-Length says so)."""
    if headers.content_length is not None and headers.content_length > limit:
        raise PayloadTooLargeError(
            f"The body is {headers.content_length} bytes; the limit is {limit} bytes. "
            "Send fewer rows per request."
        )
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(
                    f"The body is over the limit of {limit} bytes. Send fewer rows per request."
                )
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    *,
    content_type: bytes = JSON_TYPE,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def error_body(message: str) -> bytes:
    return dumps({"error": message})


def json_list(array: Any) -> list[Any]:
    """A numpy array as nested lists for JSON: NaN becomes null, date-times ISO text, bytes text."""
    import numpy as np

    array = np.asarray(array)
    kind = array.dtype.kind
    if kind == "f":
        nan = np.isnan(array)
        if nan.any():
            boxed = array.astype(object)
            boxed[nan] = None
            result: list[Any] = boxed.tolist()
            return result
    elif kind == "M":
        return np.datetime_as_string(array).tolist()  # type: ignore[no-any-return]
    elif kind in "OS":
        boxed = array.astype(object)
        flat = boxed.reshape(-1)
        for i, value in enumerate(flat):
            if isinstance(value, bytes):
                flat[i] = value.decode(errors="replace")
        return boxed.tolist()  # type: ignore[no-any-return]
    listed: list[Any] = array.tolist()
    return listed
