"""The explanation use cases: explain a version on some data, store it, find it again.

An explanation is keyed by the version, the data's content fingerprint and
the request (kind, method, budget, seed ...): asking again returns the stored
result without loading the model. A new result and its audit event commit in
one transaction.

:func:`explain_row` is the small entry point the inference server's
``/explain`` route can call with a model it has already loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd

from steward.core.audit import AuditEvent
from steward.core.errors import ConflictError, InvalidInputError
from steward.core.explain import ExplainRequest, Explanation, check_kind
from steward.core.explain.charts import to_chart
from steward.core.explain.compute import explain_frame, local_contributions
from steward.core.explain.shapley import Contributions
from steward.core.permissions import Permission
from steward.core.registry import ModelRef, ModelVersion
from steward.ports import ArtifactStore, Store
from steward.services.access import AccessControl
from steward.services.datasets import fingerprint
from steward.services.packaging import LoadedModel, load_version
from steward.services.registry import Clock, RegistryService, utcnow

#: ``progress(done, total)``: called as the work advances.
Progress = Callable[[int, int], None]


def as_frame(data: Any) -> pd.DataFrame:
    """*data* as a pandas DataFrame (pandas, polars and pyarrow tables are accepted)."""
    module = type(data).__module__.split(".")[0]
    if module in ("polars", "pyarrow") and hasattr(data, "to_pandas"):
        data = data.to_pandas()
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"Explanations need a table (pandas, polars or pyarrow), not {type(data).__name__}."
        )
    if not all(isinstance(c, str) for c in data.columns):
        raise InvalidInputError("The data's column names must be text.")
    return data


def input_features(version: ModelVersion, frame: pd.DataFrame, target: str | None) -> list[str]:
    """The model's input columns: its signature's, else every column but the target."""
    signature = version.signature
    if signature is not None and signature.kind != "columns":
        raise InvalidInputError(
            f"Version {version.ref} takes tensors; explanations are for models of table columns."
        )
    if signature is not None:
        return signature.input_names
    return [c for c in frame.columns if c != target]


class ExplainService:
    """Explain versions on data; results stored per version, data fingerprint and request."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        registry: RegistryService,
        clock: Clock = utcnow,
        *,
        access: AccessControl | None = None,
    ) -> None:
        self.access = access
        self.store = store
        self.artifacts = artifacts
        self.registry = registry
        self.clock = clock

    def explain(
        self,
        ref: str | ModelRef,
        data: Any,
        request: ExplainRequest,
        *,
        actor: str,
        progress: Progress | None = None,
    ) -> Explanation:
        """The explanation *request* asks for, of version *ref* on *data*: stored, or computed and stored."""
        if not isinstance(request, ExplainRequest):
            raise InvalidInputError("request must be an ExplainRequest, e.g. ExplainRequest('global').")
        request = request.checked()
        frame = as_frame(data)
        version = self.registry.get_version(ref)
        if self.access is not None:  # stores a result: the same right as validating
            self.access.require(actor, Permission.VALIDATE, model=version.model)
        features = input_features(version, frame, request.target)
        data_fingerprint = fingerprint(frame)
        stored = self._find(version, data_fingerprint, request)
        if stored is not None:
            return stored
        loaded = load_version(self.artifacts, version)
        try:
            result = explain_frame(loaded.predictor, loaded.native, frame, features, request, progress)
        finally:
            loaded.close()
        draft = Explanation(
            model=version.model,
            version=version.version,
            kind=request.kind,
            data_fingerprint=data_fingerprint,
            request=request,
            result=result,
            created_by=actor,
            created_at=self.clock(),
        )
        try:
            with self.store.write() as tx:
                saved = tx.explanations.insert(draft)
                tx.audit.append(
                    AuditEvent(
                        action="explanation.create",
                        target_type="version",
                        target=version.ref,
                        actor=actor,
                        at=saved.created_at,
                        after={
                            "id": saved.id,
                            "kind": saved.kind,
                            "method": result.get("method"),
                            "data_fingerprint": data_fingerprint,
                        },
                    )
                )
                return saved
        except ConflictError:  # a concurrent request stored the same explanation first
            found = self._find(version, data_fingerprint, request)
            if found is None:
                raise
            return found

    def _find(
        self, version: ModelVersion, data_fingerprint: str, request: ExplainRequest
    ) -> Explanation | None:
        with self.store.read() as tx:
            found = tx.explanations.find(version.model, version.version, data_fingerprint, request.key())
        if found is None:
            return None
        return replace(found, reused=True)

    def get(self, ref: str | ModelRef, explanation_id: int) -> Explanation:
        """A stored explanation of version *ref* by id."""
        if isinstance(explanation_id, bool) or not isinstance(explanation_id, int) or explanation_id < 1:
            raise InvalidInputError(f"An explanation id is a whole number from 1, not {explanation_id!r}.")
        version = self.registry.get_version(ref)
        with self.store.read() as tx:
            return tx.explanations.get(version.model, version.version, explanation_id)

    def list(self, ref: str | ModelRef, kind: str | None = None) -> list[Explanation]:
        """The stored explanations of version *ref*, newest first."""
        check_kind(kind)
        version = self.registry.get_version(ref)
        with self.store.read() as tx:
            return tx.explanations.list(version.model, version.version, kind)

    def chart(self, ref: str | ModelRef, explanation_id: int, fmt: str = "svg") -> bytes:
        """A stored explanation drawn as SVG (or PNG)."""
        found = self.get(ref, explanation_id)
        return to_chart(found.result, fmt=fmt)


def explain_row(
    model: LoadedModel,
    row: pd.DataFrame,
    background: pd.DataFrame,
    *,
    method: str = "auto",
    class_index: int | None = None,
    seed: int = 0,
) -> Contributions:
    """The contributions behind one row's output, with the base value: for the inference server.

    *row* is a one-row frame, *background* a sample of reference rows (the
    version's training sample, say 100 rows). TreeSHAP for tree ensembles (the
    ``explain`` extra), exact for linear models, sampling Shapley otherwise;
    ``base + sum(values) == output`` in ``output_space``.
    """
    row, background = as_frame(row), as_frame(background)
    if len(row) != 1:
        raise InvalidInputError(f"explain_row explains one row, not {len(row)}.")
    if model.signature is not None and model.signature.kind == "columns":
        names = model.signature.input_names
        if missing := [n for n in names if n not in row.columns or n not in background.columns]:
            raise InvalidInputError(f"The row or background lacks input column(s) {', '.join(missing)}.")
        row, background = row[names], background[names]
    return local_contributions(
        model.predictor,
        model.native,
        row.reset_index(drop=True),
        background.reset_index(drop=True),
        method=method,
        class_index=class_index,
        seed=seed,
    )
