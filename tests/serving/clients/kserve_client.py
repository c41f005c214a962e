"""Run by another interpreter (one with ``kserve``): KServe's InferenceRESTClient, protocol v2, JSON.

    python kserve_client.py BASE_URL MODEL

Prints one JSON document: readiness, and for a [n, 4] FP32 tensor and each datatype below the
answer's model_version and outputs, so the test (which has no kserve) can compare them with the
model's own predictions.
"""

from __future__ import annotations

import asyncio
import json
import sys

import numpy as np
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig

ROWS = [[0.1, 0.2, 0.3, 0.4], [-1.0, 0.5, 2.0, -0.3], [0.0, 0.0, 0.0, 0.0]]


async def main(base_url: str, model: str) -> dict[str, object]:
    client = InferenceRESTClient(RESTConfig(protocol="v2", timeout=30, retries=0))
    try:
        found: dict[str, object] = {
            "live": await client.is_server_live(base_url),
            "ready": await client.is_server_ready(base_url),
            "model_ready": await client.is_model_ready(base_url, model),
        }
        array = np.asarray(ROWS, dtype=np.float32)
        tensor = InferInput("input", list(array.shape), "FP32")
        tensor.set_data_from_numpy(array, binary_data=False)
        request = InferRequest(model, [tensor], request_id="kserve-1")
        headers: dict[str, str] = {}
        response = await client.infer(base_url, request, model_name=model, response_headers=headers)
        found["id"] = response.id
        found["model_name"] = response.model_name
        found["version_header"] = {k.lower(): v for k, v in headers.items()}.get("steward-model-version")
        found["outputs"] = {o.name: o.as_numpy().tolist() for o in response.outputs}
        try:
            bad = InferInput("input", [1, 3], "FP32")
            bad.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32), binary_data=False)
            await client.infer(base_url, InferRequest(model, [bad]), model_name=model)
            found["bad_input"] = "accepted"
        except Exception as exc:  # whatever KServe raises for a 400: report its text
            found["bad_input"] = str(exc)
        return found
    finally:
        await client.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
