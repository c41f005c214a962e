"""KServe's own ``InferenceRESTClient`` (protocol v2, JSON) against a real ``steward serve``.

kserve pins pandas and pydantic versions that conflict with Steward's, so it lives in its own
virtualenv; the test runs ``clients/kserve_client.py`` with that interpreter, named by
``STEWARD_KSERVE_PYTHON``:

    python -m venv /tmp/kserve-venv && /tmp/kserve-venv/bin/pip install kserve
    STEWARD_KSERVE_PYTHON=/tmp/kserve-venv/bin/python pytest tests/serving/test_kserve_client.py
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from steward import Client
from tests.serving.conftest import DEPLOYMENT, Registry
from tests.serving.process import steward_serve

PYTHON = os.environ.get("STEWARD_KSERVE_PYTHON")
SCRIPT = Path(__file__).parent / "clients" / "kserve_client.py"
ROWS = [[0.1, 0.2, 0.3, 0.4], [-1.0, 0.5, 2.0, -0.3], [0.0, 0.0, 0.0, 0.0]]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not PYTHON,
        reason="set STEWARD_KSERVE_PYTHON to a python with kserve (python -m venv /tmp/kserve-venv && "
        "/tmp/kserve-venv/bin/pip install kserve): kserve's pins conflict with Steward's",
    ),
]


def test_kserve_rest_client_v2(registry: Registry, tmp_path: Path) -> None:
    assert PYTHON is not None
    with Client(registry.uri, actor="tester") as steward:
        steward.create_deployment(DEPLOYMENT, {"digits/1": 100})
        model = steward.load("digits/1")
    with steward_serve(tmp_path, registry.uri, DEPLOYMENT, "--no-payload-log") as served:
        run = subprocess.run(
            [PYTHON, str(SCRIPT), served.url, DEPLOYMENT],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["live"] and found["ready"] and found["model_ready"]
    assert found["id"] == "kserve-1" and found["model_name"] == DEPLOYMENT
    assert found["version_header"] == "digits/1"  # kserve's InferResponse drops model_version
    data = np.asarray(ROWS, dtype=np.float32)
    assert found["outputs"]["predict"] == model.predict(data).tolist()
    assert np.allclose(found["outputs"]["predict_proba"], model.predict_proba(data))
    assert "input" in found["bad_input"] and found["bad_input"] != "accepted"
