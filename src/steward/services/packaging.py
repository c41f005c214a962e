"""Turn a model object into a stored artifact, and a stored version back into a model.

This runs where the model object lives: in the SDK's process, whether the
registry is embedded or remote (then the artifact store is the control
plane's, reached over HTTP).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.artifacts import get_tree, put_files, put_tree
from steward.core.errors import InvalidInputError
from steward.core.registry import ModelVersion
from steward.core.signature import Signature, infer_signature
from steward.flavors import detect, get_flavor
from steward.ports import ArtifactStore, Flavor, Predictor


@dataclass(frozen=True)
class PackagedModel:
    artifact_digest: str
    flavor: str
    flavor_options: dict[str, Any] = field(default_factory=dict)
    signature: Signature | None = None


def package_model(
    artifacts: ArtifactStore,
    model: object,
    *,
    flavor: str | None = None,
    flavor_settings: dict[str, Any] | None = None,
    input_example: Any = None,
    signature: Signature | dict[str, Any] | None = None,
) -> PackagedModel:
    """Save *model* with its flavor into the artifact store; infer its signature.

    *flavor_settings* configure how the flavor saves (``{"format": "pickle"}``
    for scikit-learn, ``{"init_kwargs": {...}}`` for a PyTorch state dict).
    """
    chosen = get_flavor(flavor or detect(model).name, **(flavor_settings or {}))
    if isinstance(signature, dict):
        signature = Signature.from_dict(signature)
    if signature is None and input_example is not None:
        signature = infer_signature(input_example, _example_output(model, input_example))
    save_files = getattr(chosen, "save_files", None)
    if save_files is not None:  # small models: no temporary folder on the way
        files, options = save_files(model)
        return PackagedModel(put_files(artifacts, files), chosen.name, options, signature)
    with tempfile.TemporaryDirectory(prefix="steward-pkg-") as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        options = chosen.save(model, folder)
        digest = put_tree(artifacts, folder)
    return PackagedModel(digest, chosen.name, options, signature)


def _example_output(model: object, example: Any) -> Any:
    predict = getattr(model, "predict", None)
    if callable(predict) and type(example).__module__.split(".")[0] in ("pandas", "numpy"):
        return predict(example)
    return None


class LoadedModel:
    """A registered version, loaded and ready to predict.

    ``predict`` accepts what the flavor takes (pandas for tables, numpy for
    tensors) and also polars/pyarrow tables, dicts of columns and lists of
    records, converted once. ``native`` is the framework's own object.
    """

    def __init__(self, version: ModelVersion, flavor: Flavor, predictor: Predictor, folder: Path) -> None:
        self.version = version
        self.flavor = flavor
        self.predictor = predictor
        self.folder = folder
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder.parent, True)

    @property
    def signature(self) -> Signature | None:
        return self.version.signature

    @property
    def native(self) -> object:
        return self.flavor.native(self.predictor)

    def predict(self, data: Any) -> Any:
        return self.predictor.predict(self._coerce(data))

    def predict_proba(self, data: Any) -> Any:
        method = getattr(self.predictor, "predict_proba", None)
        if method is None:
            raise InvalidInputError(
                f"Version {self.version.ref} ({self.version.flavor}) has no predict_proba; use predict."
            )
        return method(self._coerce(data))

    def _coerce(self, data: Any) -> Any:
        module = type(data).__module__.split(".")[0]
        tabular = self.signature is None or self.signature.kind == "columns"
        if module in ("polars", "pyarrow"):
            data = data.to_pandas()
        elif tabular and isinstance(data, (dict, list)) and data and module == "builtins":
            import pandas as pd

            data = pd.DataFrame(data)
        if tabular and self.signature is not None and type(data).__module__.startswith("pandas"):
            names = self.signature.input_names
            columns = list(getattr(data, "columns", []))
            if columns != names and set(names) <= set(columns):
                data = data[names]
        return data

    def close(self) -> None:
        self._finalizer()

    def __repr__(self) -> str:
        return f"<LoadedModel {self.version.ref} flavor={self.version.flavor}>"


def load_version(artifacts: ArtifactStore, version: ModelVersion) -> LoadedModel:
    """Fetch the version's files (verifying every digest) and load them."""
    flavor = get_flavor(version.flavor)
    workdir = Path(tempfile.mkdtemp(prefix="steward-load-"))
    try:
        folder = workdir / "model"
        get_tree(artifacts, version.artifact_digest, folder)
        predictor = flavor.load(folder, dict(version.flavor_options))
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return LoadedModel(version, flavor, predictor, folder)
