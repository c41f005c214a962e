"""The binary tensor extension of the Open Inference Protocol (KServe, Triton): raw bytes after JSON.

A request with the header ``Inference-Header-Content-Length: N`` carries N
bytes of JSON, then raw tensor bytes. Each input whose ``parameters`` hold
``binary_data_size: k`` takes the next k bytes, in the order the inputs are
listed: row-major, little-endian, ``BOOL`` one byte per value, ``BYTES`` as
elements each prefixed by its length (4 bytes, little-endian). Answers are
encoded the same way for the outputs a client asked to receive as binary.

Everything here is pure: bytes and numpy in, bytes and numpy out. Every
problem is an :class:`~steward.core.errors.InvalidInputError` naming the
input and the sizes that disagree.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from typing import Any

import numpy as np

from steward.core.errors import InvalidInputError

#: OIP datatype -> little-endian numpy dtype (BYTES is length-prefixed, not here).
DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype("?"),
    "INT8": np.dtype("<i1"),
    "INT16": np.dtype("<i2"),
    "INT32": np.dtype("<i4"),
    "INT64": np.dtype("<i8"),
    "UINT8": np.dtype("<u1"),
    "UINT16": np.dtype("<u2"),
    "UINT32": np.dtype("<u4"),
    "UINT64": np.dtype("<u8"),
    "FP16": np.dtype("<f2"),
    "FP32": np.dtype("<f4"),
    "FP64": np.dtype("<f8"),
}
HEADER = b"inference-header-content-length"
CONTENT_TYPE = b"application/octet-stream"
_LENGTH = struct.Struct("<I")


def parse_header_length(value: bytes) -> int:
    """The value of ``Inference-Header-Content-Length``: a whole number of bytes."""
    try:
        length = int(value)
    except ValueError:
        length = -1
    if length < 0:
        shown = value.decode("latin-1")
        raise InvalidInputError(
            f"Inference-Header-Content-Length must be the size in bytes of the JSON header, got {shown!r}."
        )
    return length


def split(body: bytes, header_length: int) -> tuple[bytes, memoryview]:
    """The JSON header and the raw tensor bytes that follow it."""
    if header_length > len(body):
        raise InvalidInputError(
            f"Inference-Header-Content-Length is {header_length} but the body has only {len(body)} bytes: "
            "the request is truncated."
        )
    view = memoryview(body)
    return bytes(view[:header_length]), view[header_length:]


def binary_size(name: str, item: dict[str, Any]) -> int | None:
    """The input's ``parameters.binary_data_size``, or None when its data is JSON."""
    parameters = item.get("parameters")
    if parameters is None:
        return None
    if not isinstance(parameters, dict):
        raise InvalidInputError(f'Input {name!r}: "parameters" must be an object.')
    size = parameters.get("binary_data_size")
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInputError(f"Input {name!r}: binary_data_size must be a whole number of bytes.")
    return size


def attach(inputs: dict[str, dict[str, Any]], raw: memoryview | None) -> None:
    """Decode the binary inputs of *inputs* (in order) from *raw*, as numpy arrays in their ``data``."""
    offset = 0
    available = 0 if raw is None else len(raw)
    for name, item in inputs.items():
        size = binary_size(name, item)
        if size is None:
            continue
        if raw is None:
            raise InvalidInputError(
                f"Input {name!r} has binary_data_size but the request has no binary part: "
                "send the Inference-Header-Content-Length header."
            )
        if offset + size > available:
            raise InvalidInputError(
                f"Input {name!r} needs {size} bytes of binary data but only {available - offset} remain: "
                "the request is truncated."
            )
        item["data"] = decode(name, item["datatype"], item["shape"], raw[offset : offset + size])
        offset += size
    if offset != available:
        raise InvalidInputError(
            f"The request has {available - offset} bytes of binary data after its last binary input: "
            "check each input's binary_data_size and Inference-Header-Content-Length."
        )


def decode(name: str, datatype: str, shape: list[int], chunk: memoryview) -> np.ndarray:
    """One tensor's bytes as a flat numpy array (BYTES: text where it is UTF-8, else bytes)."""
    count = math.prod(shape)
    if datatype == "BYTES":
        return _decode_bytes(name, shape, count, chunk)
    dtype = DTYPES.get(datatype)
    if dtype is None:
        raise InvalidInputError(f"Input {name!r}: datatype {datatype!r} has no binary form here.")
    expected = count * dtype.itemsize
    if len(chunk) != expected:
        raise InvalidInputError(
            f"Input {name!r}: shape {shape} of {datatype} is {expected} bytes, "
            f"but binary_data_size is {len(chunk)}."
        )
    return np.frombuffer(chunk, dtype=dtype)


def _decode_bytes(name: str, shape: list[int], count: int, chunk: memoryview) -> np.ndarray:
    out = np.empty(count, dtype=object)
    offset, end = 0, len(chunk)
    for i in range(count):
        if offset + 4 > end:
            raise InvalidInputError(
                f"Input {name!r}: shape {shape} needs {count} BYTES elements, the binary data holds {i}."
            )
        (length,) = _LENGTH.unpack_from(chunk, offset)
        offset += 4
        if offset + length > end:
            raise InvalidInputError(
                f"Input {name!r}: BYTES element {i} is {length} bytes long, past the end of its binary data."
            )
        value = bytes(chunk[offset : offset + length])
        offset += length
        try:
            out[i] = value.decode()
        except UnicodeDecodeError:
            out[i] = value
    if offset != end:
        raise InvalidInputError(
            f"Input {name!r}: shape {shape} holds {count} BYTES elements in {offset} bytes, "
            f"but binary_data_size is {end}."
        )
    return out


def encode(array: np.ndarray, datatype: str) -> bytes:
    """One output tensor as raw bytes, row-major (BYTES: each element length-prefixed)."""
    if datatype != "BYTES":
        return np.ascontiguousarray(array, dtype=DTYPES[datatype]).tobytes()
    parts: list[bytes] = []
    for value in _texts(array):
        parts.append(_LENGTH.pack(len(value)))
        parts.append(value)
    return b"".join(parts)


def _texts(array: np.ndarray) -> Iterable[bytes]:
    if array.dtype.kind == "M":
        array = np.datetime_as_string(array)
    for value in array.reshape(-1).tolist():
        if isinstance(value, bytes):
            yield value
        else:
            yield ("" if value is None else str(value)).encode()


def message(header: bytes, tensors: list[bytes]) -> bytes:
    """The JSON header followed by each binary output, in order."""
    return b"".join([header, *tensors])
