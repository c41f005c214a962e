from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from steward.core.errors import InvalidInputError
from steward.flavors import FLAVOR_NAMES, detect, get_flavor
from tests.flavors.estimators import Thresholder

FRAMEWORKS = ("torch", "xgboost", "lightgbm", "onnx", "onnxruntime", "skops", "sklearn", "cloudpickle")


def test_every_flavor_is_registered_under_its_name() -> None:
    assert set(FLAVOR_NAMES) == {"sklearn", "xgboost", "lightgbm", "onnx", "pytorch", "python"}
    for name in FLAVOR_NAMES:
        assert get_flavor(name).name == name


def test_an_unknown_flavor_name_lists_the_known_ones() -> None:
    with pytest.raises(
        InvalidInputError, match="Unknown flavor 'tensorflow'; known flavors are onnx, pytorch"
    ):
        get_flavor("tensorflow")


def test_settings_configure_a_new_flavor_and_leave_the_default_alone() -> None:
    configured = get_flavor("sklearn", format="pickle")

    assert configured.format == "pickle"
    assert get_flavor("sklearn").format == "skops"
    with pytest.raises(InvalidInputError, match=r"no setting 'fmt'; its settings are: format, trust"):
        get_flavor("sklearn", fmt="pickle")
    with pytest.raises(InvalidInputError, match="settings are: none"):
        get_flavor("lightgbm", format="txt")


def _xgboost() -> Any:
    return pytest.importorskip("xgboost").XGBRegressor()


def _lightgbm() -> Any:
    return pytest.importorskip("lightgbm").LGBMRegressor()


def _torch() -> Any:
    return pytest.importorskip("torch").nn.Linear(2, 1)


def _onnx() -> Any:
    return pytest.importorskip("onnx").ModelProto()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (LogisticRegression, "sklearn"),
        (lambda: make_pipeline(StandardScaler(), LogisticRegression()), "sklearn"),
        (_xgboost, "xgboost"),
        (_lightgbm, "lightgbm"),
        (_torch, "pytorch"),
        (_onnx, "onnx"),
        (lambda: "models/churn.onnx", "onnx"),
        (lambda: np.sum, "python"),
        (lambda: Thresholder("a", 0.0), "python"),
    ],
)
def test_detect_picks_the_most_specific_flavor(make: Callable[[], Any], expected: str) -> None:
    assert detect(make()).name == expected


@pytest.mark.parametrize("model", [42, "churn.pkl", Thresholder, {"weights": [1, 2]}])
def test_detect_refuses_what_no_flavor_can_save(model: object) -> None:
    with pytest.raises(InvalidInputError, match="No flavor can save"):
        detect(model)


def test_importing_and_detecting_imports_no_framework() -> None:
    script = (
        "import json, sys\n"
        "from steward.core.errors import InvalidInputError\n"
        "from steward.flavors import detect\n"
        "assert detect(lambda df: df).name == 'python'\n"
        "try:\n"
        "    detect(42)\n"
        "except InvalidInputError:\n"
        "    pass\n"
        f"print(json.dumps([m for m in {list(FRAMEWORKS)!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)

    assert json.loads(out.stdout) == []
