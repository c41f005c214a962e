"""Request bodies shared by the serving tests."""

from __future__ import annotations

from typing import Any

COLUMNS = ["tenure", "charges", "plan"]


def oip_columns(rows: int = 2) -> dict[str, Any]:
    return {
        "inputs": [
            {"name": "tenure", "shape": [rows], "datatype": "INT64", "data": [3 * i for i in range(rows)]},
            {"name": "charges", "shape": [rows], "datatype": "FP64", "data": [50.0 + i for i in range(rows)]},
            {"name": "plan", "shape": [rows], "datatype": "BYTES", "data": ["basic", "pro"] * (rows // 2)
             + ["plus"] * (rows % 2)},
        ]
    }  # fmt: skip


def oip_tensor(rows: int = 3) -> dict[str, Any]:
    data = [[0.1 * i, -0.2, 0.3, 1.0] for i in range(rows)]
    return {"inputs": [{"name": "input", "shape": [rows, 4], "datatype": "FP32", "data": data}]}


def split(rows: list[list[Any]]) -> dict[str, Any]:
    return {"dataframe_split": {"columns": COLUMNS, "data": rows}}


def oip_binary(rows: int = 2, **changes: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """:func:`oip_columns` with every input as binary data: the body and its headers.

    *changes* update an input's JSON (``tenure={"shape": [3]}``); ``raw`` in them replaces its bytes.
    """
    import struct

    import numpy as np

    header = oip_columns(rows)
    tensors = []
    for item in header["inputs"]:
        data = item.pop("data")
        if item["datatype"] == "BYTES":
            raw = b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in data)
        else:
            raw = np.asarray(data, dtype={"INT64": "<i8", "FP64": "<f8"}[item["datatype"]]).tobytes()
        change = dict(changes.get(item["name"], {}))
        raw = change.pop("raw", raw)
        item["parameters"] = {"binary_data_size": len(raw)}
        item.update(change)
        tensors.append(raw)
    return binary_body(header, *tensors)


def binary_body(header: dict[str, Any], *tensors: bytes) -> tuple[bytes, dict[str, str]]:
    """A binary-extension request: the JSON header, then the raw tensors, and its headers."""
    import json

    text = json.dumps(header).encode()
    headers = {"inference-header-content-length": str(len(text)), "content-type": "application/octet-stream"}
    return text + b"".join(tensors), headers
