"""Explanations on the data plane: ``POST /v2/models/{name}[/versions/{v}]/explain``.

The body is an Open Inference Protocol infer request (JSON, or the binary
tensor extension), validated against the version's signature as ``/infer``
does, of at most :data:`MAX_ROWS` rows. Each row is explained by
:func:`steward.services.explain.explain_row` (TreeSHAP for tree ensembles,
exact for linear models, sampling Shapley otherwise) against the version's
*background*: at most :data:`BACKGROUND_ROWS` rows, drawn once per version
when it is loaded, off the request path, from the first :data:`SOURCE_ROWS`
rows of

1. the server's ``--explain-background`` file (a Parquet or CSV sample of the
   training data, local or at a URL), read once at start, the same rows for
   every version (each version's drawn in the refresh thread: no I/O); or
2. the version's lineage: its ``training`` (else ``reference``) dataset, when
   it was registered with a ``uri`` the server can read; read on a thread of
   its own, so that a slow read never holds up a swap.

Explanations run on one thread of their own, never on the event loop, so a
slow one delays other explanations but not predictions. The answer::

    {"model_name": "churn-api", "model_version": "churn/1", "id": "…",
     "explanations": [{"base_value": 0.41, "values": {"tenure": -0.12, …},
                       "output": 0.33, "output_space": "probability", "method": "sampling"}]}

``base_value + sum(values) == output`` per row. The request's ``parameters``
may set ``method`` (``auto``, ``treeshap``, ``linear``, ``sampling``) and
``class_index`` (which class's probability a classifier's explanation is of).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from steward.core.errors import InvalidInputError, NotFoundError, StewardError
from steward.core.registry import ModelVersion
from steward.services.explain import explain_row
from steward.services.locations import read_frame
from steward.services.packaging import LoadedModel
from steward.serving.errors import ModelFailedError
from steward.serving.routing import Served, ServedModel
from steward.serving.validation import Batch, columns_batch

log = logging.getLogger("steward.serving")

#: Rows one explain request may carry (each costs hundreds of predictions with sampling Shapley).
MAX_ROWS = 16
#: Background rows kept per version.
BACKGROUND_ROWS = 100
#: They are drawn from the first this many rows of the file (only that much of it is read).
SOURCE_ROWS = 10_000
#: Versions whose background rows are kept (the oldest is dropped, and drawn again if asked for).
KEPT_VERSIONS = 32
METHODS = ("auto", "treeshap", "linear", "sampling")
#: The lineage datasets a background may come from, in order of preference.
LINEAGE_ROLES = ("training", "reference")

OptionsFor = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Refusal:
    """Why a version has no background: the error's class and message, raised anew for each request
    (a kept exception would keep its traceback, and through it the routing table it was raised under)."""

    error: type[StewardError]
    message: str

    def raise_(self) -> NoReturn:
        raise self.error(self.message)


class Backgrounds:
    """Each version's background rows, drawn from the server's file or the version's lineage."""

    def __init__(
        self,
        source: pd.DataFrame | None = None,
        *,
        options_for: OptionsFor | None = None,
        rows: int = BACKGROUND_ROWS,
        seed: int = 0,
    ) -> None:
        self.source = source
        self.options_for = options_for or (lambda url: {})
        self.rows = rows
        self.seed = seed
        self._kept: OrderedDict[str, pd.DataFrame | Refusal | Future[pd.DataFrame | Refusal]] = OrderedDict()
        self._lock = threading.Lock()
        self._reader: ThreadPoolExecutor | None = None  # reads lineage datasets, off the refresh thread

    @classmethod
    def from_file(cls, location: str, options_for: OptionsFor | None = None) -> Backgrounds:
        """The rows of *location* (a Parquet or CSV file, path or URL), read once: a bounded sample."""
        options = (options_for or (lambda url: {}))(location)
        frame = read_frame(location, options, max_rows=SOURCE_ROWS)
        if len(frame) == 0:
            raise InvalidInputError(f"The explanation background {location} has no rows.")
        made = cls(None, options_for=options_for)
        made.source = made._sample(frame)
        return made

    def prepare(self, version: ModelVersion, model: ServedModel) -> None:
        """Draw *version*'s background (the refresh thread calls this after loading it): from the
        server's rows at once, from the version's lineage data on the reader thread."""
        with self._lock:
            if version.ref in self._kept:
                return
            if self.source is None:
                if self._reader is None:
                    self._reader = ThreadPoolExecutor(1, thread_name_prefix="steward-background")
                self._kept[version.ref] = self._reader.submit(self._draw, version)
                self._trim()
                return
        self._keep(version.ref, self._draw(version))

    def get(self, version: ModelVersion) -> pd.DataFrame:
        """*version*'s background rows (waiting for a read under way); the error that kept it from
        having any, raised."""
        with self._lock:
            found = self._kept.get(version.ref)
        if isinstance(found, Future):
            found = found.result()
        if found is None:
            found = self._draw(version)
            self._keep(version.ref, found)
        if isinstance(found, Refusal):
            found.raise_()
        return found

    def close(self) -> None:
        """Stop the reader thread; a read under way is not waited for."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.shutdown(wait=False, cancel_futures=True)

    def _draw(self, version: ModelVersion) -> pd.DataFrame | Refusal:
        try:
            return self._build(version)
        except StewardError as exc:  # kept: the explain requests answer with it
            return Refusal(type(exc), exc.message)

    def _keep(self, ref: str, found: pd.DataFrame | Refusal) -> None:
        with self._lock:
            self._kept[ref] = found
            self._trim()

    def _trim(self) -> None:
        while len(self._kept) > KEPT_VERSIONS:
            self._kept.popitem(last=False)

    def _build(self, version: ModelVersion) -> pd.DataFrame:
        signature = version.signature
        if signature is not None and signature.kind != "columns":
            raise InvalidInputError(
                f"Version {version.ref} takes tensors; explanations are for models of table columns."
            )
        frame = self.source if self.source is not None else self._from_lineage(version)
        if signature is None:
            return frame
        missing = [name for name in signature.input_names if name not in frame.columns]
        if missing:
            raise InvalidInputError(
                f"The explanation background lacks input column(s) {', '.join(map(repr, missing))} of "
                f"version {version.ref}; give a sample with the model's input columns."
            )
        try:
            batch = columns_batch(
                {name: frame[name].to_numpy() for name in signature.input_names}, signature, len(frame)
            )
        except InvalidInputError as exc:
            raise InvalidInputError(
                f"The explanation background does not fit version {version.ref}'s signature: {exc.message}"
            ) from None
        frame = batch.data
        assert isinstance(frame, pd.DataFrame)
        return frame

    def _from_lineage(self, version: ModelVersion) -> pd.DataFrame:
        for role in LINEAGE_ROLES:
            for dataset in version.lineage.datasets:
                if dataset.role == role and dataset.uri:
                    options = self.options_for(dataset.uri)
                    return self._sample(read_frame(dataset.uri, options, max_rows=SOURCE_ROWS))
        raise NotFoundError(
            f"Version {version.ref} has no background rows to explain against: start the server with "
            "--explain-background FILE (a sample of the training data), or register the version with "
            "a training dataset whose uri the server can read."
        )

    def _sample(self, frame: pd.DataFrame) -> pd.DataFrame:
        if len(frame) > self.rows:
            frame = frame.sample(n=self.rows, random_state=self.seed).sort_index()
        return frame.reset_index(drop=True)


def options(parameters: Mapping[str, Any]) -> tuple[str, int | None]:
    """The ``method`` and ``class_index`` a request's ``parameters`` ask for, checked."""
    method = parameters.get("method", "auto")
    if method not in METHODS:
        raise InvalidInputError(f"Unknown explanation method {method!r}; use one of {', '.join(METHODS)}.")
    class_index = parameters.get("class_index")
    if class_index is not None and (
        isinstance(class_index, bool) or not isinstance(class_index, int) or class_index < 0
    ):
        raise InvalidInputError(f'"class_index" is a class number from 0, not {class_index!r}.')
    return method, class_index


def explain_batch(
    route: Served,
    batch: Batch,
    backgrounds: Backgrounds,
    method: str = "auto",
    class_index: int | None = None,
) -> list[dict[str, Any]]:
    """Each row of *batch* explained against the route's version's background (run in a thread)."""
    model = route.model
    if not isinstance(model, LoadedModel):
        raise InvalidInputError(f"Version {route.label} cannot be explained: it is not a registered model.")
    background = backgrounds.get(route.version)
    data = batch.data
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"Version {route.label} takes tensors; explanations are for models of table columns."
        )
    answers = []
    for i in range(batch.rows):
        try:
            found = explain_row(
                model, data.iloc[[i]], background, method=method, class_index=class_index, seed=0
            )
        except StewardError:
            raise
        except Exception as exc:  # the model's own code raised while explaining
            log.exception("explaining with %s failed", route.label)
            raise ModelFailedError(f"explanation failed: {type(exc).__name__}: {exc}") from exc
        answers.append(
            {
                "base_value": float(found.base),
                "values": dict(zip(found.features, map(float, np.asarray(found.values)), strict=True)),
                "output": float(found.output),
                "output_space": found.output_space,
                "method": found.method,
            }
        )
    return answers
