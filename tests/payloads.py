"""Payload-log files for monitoring tests, written by the inference server's own writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from steward.serving.payload_log import PayloadLog, PayloadRecord


def write_payloads(
    folder: Path,
    deployment: str,
    version: str,
    frame: pd.DataFrame,
    model: Any,
    at: datetime,
    *,
    rows_per_request: int = 1,
    prefix: str = "r",
    errors: int = 0,
    latency_ms: float = 2.0,
) -> list[str]:
    """Log *frame* as requests of *rows_per_request* rows answered by *model* at *at*; the request ids."""
    log = PayloadLog(folder, flush_seconds=3600, flush_rows=10_000, max_queue=1_000_000)  # one file, at close
    log.start()
    ids: list[str] = []
    try:
        for i, begin in enumerate(range(0, len(frame), rows_per_request)):
            part = frame.iloc[begin : begin + rows_per_request]
            outputs: dict[str, Any] = {"predict": np.asarray(model.predict(part))}
            if hasattr(model, "predict_proba"):
                outputs["predict_proba"] = np.asarray(model.predict_proba(part))
            request_id = f"{prefix}{i}"
            ids.append(request_id)
            inputs = {c: part[c].to_numpy() for c in part.columns}
            log.submit(
                PayloadRecord(
                    request_id,
                    at.timestamp(),
                    deployment,
                    version,
                    "v2",
                    200,
                    latency_ms,
                    len(part),
                    inputs,
                    outputs,
                )
            )
        for j in range(errors):
            log.submit(
                PayloadRecord(
                    f"{prefix}err{j}", at.timestamp(), deployment, version, "v2", 500, 1.0, 0, error="boom"
                )
            )
    finally:
        log.close()
    return ids


def labels_for(ids: Sequence[str], values: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame({"request_id": list(ids), "label": list(values)})
