"""The overhead floor: a bare Starlette app serving a pickled model, run by uvicorn like Steward.

    python benchmarks/serving_floor.py MODEL.pkl --port 8001

``POST /infer`` takes the Open Inference Protocol body Steward takes (one tensor, FP64) and answers
``{"outputs": [{"name": "predict", ...}]}``; ``GET /ready`` is 200. No validation, metrics or
logging: what is left is HTTP, JSON and the model's own ``predict``.
"""

from __future__ import annotations

import argparse
import json
import pickle
from typing import Any

import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

try:  # Steward encodes with orjson when it is installed: so does the floor
    from orjson import dumps, loads
except ImportError:  # pragma: no cover
    from json import loads

    def dumps(value: Any) -> bytes:
        return json.dumps(value).encode()


def build(model: Any) -> Starlette:
    async def infer(request: Request) -> Response:
        tensor = loads(await request.body())["inputs"][0]
        x = np.asarray(tensor["data"], dtype=np.float64).reshape(tensor["shape"])
        predicted = model.predict(x).tolist()
        outputs = [{"name": "predict", "shape": [len(predicted)], "datatype": "INT64", "data": predicted}]
        return Response(dumps({"outputs": outputs}), media_type="application/json")

    async def ready(request: Request) -> Response:
        return Response(b'{"ready":true}', media_type="application/json")

    return Starlette(routes=[Route("/infer", infer, methods=["POST"]), Route("/ready", ready)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with open(args.model, "rb") as file:
        model = pickle.load(file)  # the benchmark's own file
    app = build(model)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, http="httptools", log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
