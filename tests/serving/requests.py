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
