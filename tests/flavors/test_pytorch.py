from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from steward.core.errors import InvalidInputError, MissingDependencyError
from steward.flavors import detect, get_flavor
from steward.flavors.pytorch import PyTorchFlavor
from tests.flavors.conftest import Roundtrip, Table

torch = pytest.importorskip("torch")


class TinyNet(torch.nn.Module):
    """A two-layer network whose constructor takes arguments."""

    def __init__(self, n_in: int, hidden: int = 8) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(n_in, hidden)
        self.out = torch.nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


class Scaled(torch.nn.Module):
    """Two named inputs, to be fed from a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor([1.5]))

    def forward(self, x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        return x * self.weight + offset


def tiny_net() -> TinyNet:
    torch.manual_seed(0)
    return TinyNet(3, hidden=5).eval()


def expected(module: torch.nn.Module, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out: np.ndarray = module(torch.from_numpy(X.astype(np.float32))).numpy()
    return out


def test_module_round_trips_as_state_dict_and_class(table: Table, roundtrip: Roundtrip) -> None:
    model = tiny_net()
    X_test = table.test[list(table.numeric)]

    predictor, options = roundtrip(
        PyTorchFlavor(init_kwargs={"n_in": 3, "hidden": 5}), model, get_flavor("pytorch")
    )

    assert options["kind"] == "state_dict"
    assert options["entry_point"] == "tests.flavors.test_pytorch:TinyNet"
    assert options["init_kwargs"] == {"n_in": 3, "hidden": 5}
    result = predictor.predict(X_test)  # a float64 DataFrame becomes one float32 tensor
    assert isinstance(result, np.ndarray)
    np.testing.assert_array_equal(result, expected(model, X_test.to_numpy()))
    np.testing.assert_array_equal(predictor.predict(X_test.to_numpy()), result)
    assert isinstance(get_flavor("pytorch").native(predictor), TinyNet)


def test_a_torch_layer_round_trips_with_its_constructor_arguments(roundtrip: Roundtrip) -> None:
    torch.manual_seed(1)
    layer = torch.nn.Linear(4, 2)
    X = np.random.default_rng(0).normal(size=(6, 4))

    predictor, options = roundtrip(
        get_flavor("pytorch", init_kwargs={"in_features": 4, "out_features": 2}), layer
    )

    assert options["entry_point"] == "torch.nn.modules.linear:Linear"
    np.testing.assert_array_equal(predictor.predict(X), expected(layer, X))


def test_torchscript_module_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    model = tiny_net()
    X_test = table.test[list(table.numeric)].to_numpy()

    predictor, options = roundtrip(get_flavor("pytorch"), torch.jit.script(model))

    assert options["kind"] == "torchscript"
    np.testing.assert_allclose(predictor.predict(X_test), expected(model, X_test), rtol=1e-6)


def test_exported_program_round_trips(table: Table, roundtrip: Roundtrip) -> None:
    model = tiny_net()
    X_test = table.test[list(table.numeric)].to_numpy()
    example = (torch.zeros(4, 3),)
    program = torch.export.export(model, example, dynamic_shapes=({0: torch.export.Dim("batch")},))

    predictor, options = roundtrip(get_flavor("pytorch"), program)

    assert options["kind"] == "exported"
    assert detect(program).name == "pytorch"
    np.testing.assert_allclose(predictor.predict(X_test), expected(model, X_test), rtol=1e-6)
    assert isinstance(get_flavor("pytorch").native(predictor), torch.export.ExportedProgram)


def test_a_dict_is_passed_as_keyword_arguments(roundtrip: Roundtrip) -> None:
    predictor, _ = roundtrip(get_flavor("pytorch"), Scaled().eval())

    out = predictor.predict({"x": np.array([[1.0], [2.0]]), "offset": np.array([[0.5], [0.5]])})

    np.testing.assert_allclose(out, [[2.0], [3.5]])


def test_classes_that_cannot_be_rebuilt_are_refused_at_save(tmp_path: Path) -> None:
    class Local(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    with pytest.raises(InvalidInputError, match="cannot be imported"):
        get_flavor("pytorch").save(Local(), tmp_path)
    with pytest.raises(InvalidInputError, match="init_kwargs"):
        get_flavor("pytorch").save(tiny_net(), tmp_path)  # TinyNet needs n_in
    with pytest.raises(InvalidInputError, match="JSON"):
        get_flavor("pytorch", init_kwargs={"n_in": object()})


def test_a_forged_entry_point_builds_only_modules(tmp_path: Path) -> None:
    get_flavor("pytorch", init_kwargs={"n_in": 3}).save(TinyNet(3), tmp_path)
    forged = {"kind": "state_dict", "entry_point": "subprocess:Popen", "init_kwargs": {"args": ["true"]}}

    with pytest.raises(InvalidInputError, match=r"not an nn\.Module class"):
        get_flavor("pytorch").load(tmp_path, forged)
    with pytest.raises(MissingDependencyError, match="no_such_package"):
        get_flavor("pytorch").load(tmp_path, {**forged, "entry_point": "no_such_package.nets:Net"})


def test_missing_torch_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = get_flavor("pytorch", init_kwargs={"n_in": 3}).save(TinyNet(3), tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)

    assert not get_flavor("pytorch").handles(TinyNet(3))
    with pytest.raises(MissingDependencyError, match=r"pip install 'steward-mlops\[pytorch\]'"):
        get_flavor("pytorch").load(tmp_path, options)
