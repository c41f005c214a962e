"""Data contract: does a holdout table conform to a version's input signature?"""

from __future__ import annotations

from typing import Any

import pandas as pd

from steward.core.signature import Signature, infer_schema

_INTS = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_FLOATS = {"float16", "float32", "float64"}


def _compatible(expected: str, found: str) -> bool:
    if expected == found:
        return True
    if expected in _FLOATS:
        return found in _FLOATS or found in _INTS  # ints widen to floats losslessly enough
    if expected in _INTS:
        return found in _INTS
    return False


def contract_violations(frame: pd.DataFrame, signature: Signature) -> list[str]:
    """What is wrong with *frame* against *signature*'s inputs (empty when it conforms)."""
    if signature.kind != "columns":
        return ["the version takes tensors, not a table; a data contract applies to tables only"]
    found: dict[str, Any] = {c.name: c for c in infer_schema(frame)[0]}
    problems = []
    for spec in signature.inputs:
        column = found.get(spec.name)
        if column is None:
            if not spec.optional:
                problems.append(f"column {spec.name!r} is missing")
            continue
        if not _compatible(spec.type, column.type):
            problems.append(f"column {spec.name!r} is {column.type}, the signature says {spec.type}")
        elif not spec.optional and frame[spec.name].isna().any():
            missing = int(frame[spec.name].isna().sum())
            problems.append(f"column {spec.name!r} has {missing} missing value(s) but is not optional")
    return problems
