"""The client's explanation methods, the same embedded and over HTTP.

:class:`Explanations` is what the client needs of an explanation service; the
embedded :class:`~steward.services.explain.ExplainService` and
:class:`~steward.sdk.remote.RemoteExplanations` both fit it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from steward.core.errors import InvalidInputError
from steward.core.explain import ExplainRequest, Explanation
from steward.core.explain.charts import to_chart
from steward.core.registry import ModelRef

Progress = Callable[[int, int], None]


class Explanations(Protocol):
    def explain(
        self,
        ref: str | ModelRef,
        data: Any,
        request: ExplainRequest,
        *,
        actor: str,
        progress: Progress | None = None,
    ) -> Explanation: ...
    def get(self, ref: str | ModelRef, explanation_id: int) -> Explanation: ...
    def list(self, ref: str | ModelRef, kind: str | None = None) -> list[Explanation]: ...


class ExplainMethods:
    """The :class:`~steward.Client` methods for explanations (a base class of the client)."""

    actor: str
    _explanations: Explanations

    def explain(
        self,
        ref: str,
        data: Any,
        *,
        kind: str = "global",
        method: str = "auto",
        row: int | None = None,
        target: str | None = None,
        scoring: str | None = None,
        features: Sequence[str] | None = None,
        class_index: int | None = None,
        n_repeats: int = 5,
        max_rows: int = 1000,
        background: int = 100,
        grid_size: int = 20,
        ice_rows: int = 50,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> Explanation:
        """Explain version *ref* on *data* (a table); the stored result if this was asked before.

        >>> client.explain("churn@champion", X, target="churned")        # permutation importance
        >>> client.explain("churn@champion", X, kind="local", row=17)     # why row 17
        """
        if isinstance(features, str):
            raise InvalidInputError("features is a list of column names, e.g. ['age'].")
        request = ExplainRequest(
            kind=kind,
            method=method,
            row=row,
            target=target,
            scoring=scoring,
            features=tuple(features) if features is not None else None,
            class_index=class_index,
            n_repeats=n_repeats,
            max_rows=max_rows,
            background=background,
            grid_size=grid_size,
            ice_rows=ice_rows,
            seed=seed,
        ).checked()
        return self._explanations.explain(ref, data, request, actor=self.actor, progress=progress)

    def explanations(self, ref: str, kind: str | None = None) -> list[Explanation]:
        """The stored explanations of version *ref*, newest first."""
        return self._explanations.list(ref, kind)

    def get_explanation(self, ref: str, explanation_id: int) -> Explanation:
        return self._explanations.get(ref, explanation_id)

    def explanation_chart(
        self, explanation: Explanation, path: str | Path | None = None, *, fmt: str | None = None
    ) -> bytes:
        """The explanation drawn as SVG, or PNG (``fmt="png"`` or a ``.png`` *path*).

        Written to *path* too when one is given.
        """
        if not isinstance(explanation, Explanation):
            raise InvalidInputError("Pass an Explanation, as client.explain returns.")
        chosen = fmt or (Path(path).suffix.lstrip(".").lower() if path is not None else "svg")
        image = to_chart(explanation.result, fmt=chosen)
        if path is not None:
            Path(path).write_bytes(image)
        return image
