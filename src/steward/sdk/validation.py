"""The client's validation methods, the same embedded and over HTTP.

:class:`Validations` is what the client needs of a validation service; the
embedded :class:`~steward.services.validation.ValidationService` and
:class:`~steward.sdk.remote.RemoteValidations` both fit it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from steward.core.errors import InvalidInputError
from steward.core.registry import ModelRef
from steward.core.validation.results import ValidationRun
from steward.core.validation.suites import Suite, load_suite, parse_suite
from steward.services.datasets import load_table

Progress = Callable[[str, int, int], None]
#: What ``suite=`` takes: a Suite, a path to a YAML file, or the parsed mapping/list.
SuiteLike = Suite | str | Path | dict[str, Any] | list[Any]


class Validations(Protocol):
    def validate(
        self,
        ref: str | ModelRef,
        data: pd.DataFrame,
        target: str,
        *,
        actor: str,
        suite: Suite | None = None,
        against: str | None = "champion",
        sensitive: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> ValidationRun: ...
    def get_run(self, run_id: int, ref: str | ModelRef | None = None) -> ValidationRun: ...
    def list_runs(self, ref: str | ModelRef, *, limit: int = 100) -> list[ValidationRun]: ...
    def report_html(self, run_id: int, ref: str | ModelRef | None = None) -> str: ...
    def latest_passed(self, ref: str | ModelRef, checks: Sequence[str] = ()) -> ValidationRun | None: ...


def as_suite(suite: SuiteLike | None) -> Suite | None:
    """A :class:`Suite` from any accepted form (a str or Path is a YAML file)."""
    if suite is None or isinstance(suite, Suite):
        return suite
    if isinstance(suite, str | Path):
        path = Path(suite)
        if not path.is_file():
            raise InvalidInputError(f"No such suite file: {str(path)!r}. Pass a YAML file or a Suite.")
        try:
            return load_suite(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise InvalidInputError(f"The suite file {path.name!r} is not UTF-8 text.") from None
    return parse_suite(suite)


def as_frame(data: Any) -> pd.DataFrame:
    """A pandas DataFrame from a table (pandas, polars, pyarrow) or a Parquet/CSV path."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | Path):
        return load_table(data)
    if type(data).__module__.split(".")[0] in ("polars", "pyarrow") and hasattr(data, "to_pandas"):
        frame: pd.DataFrame = data.to_pandas()
        return frame
    raise InvalidInputError(
        "Validation data is a table (pandas, polars, pyarrow) or a Parquet/CSV path, "
        f"not {type(data).__name__}."
    )


class ValidationMethods:
    """The :class:`~steward.Client` methods for validation (a base class of the client)."""

    actor: str
    _validations: Validations

    def validate(
        self,
        ref: str,
        data: Any,
        target: str,
        *,
        suite: SuiteLike | None = None,
        against: str | None = "champion",
        sensitive: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> ValidationRun:
        """Run a validation suite on held-out *data* and store the run on version *ref*.

        >>> run = client.validate("churn/7", "holdout.parquet", "churned", sensitive=["gender"])
        >>> run.passed, run.failed
        """
        if isinstance(sensitive, str):
            sensitive = [sensitive]
        return self._validations.validate(
            ref,
            as_frame(data),
            target,
            actor=self.actor,
            suite=as_suite(suite),
            against=against,
            sensitive=tuple(sensitive),
            progress=progress,
        )

    def validation_runs(self, ref: str, *, limit: int = 100) -> list[ValidationRun]:
        """The version's validation runs, newest first."""
        return self._validations.list_runs(ref, limit=limit)

    def validation_run(self, ref: str, run_id: int) -> ValidationRun:
        return self._validations.get_run(run_id, ref)

    def validation_report(self, ref: str, run_id: int) -> str:
        """The run's HTML report (one self-contained page with plots)."""
        return self._validations.report_html(run_id, ref)

    def latest_passed(self, ref: str, checks: Sequence[str] = ()) -> ValidationRun | None:
        """The version's newest run in which every named check passed (any passing run if none named)."""
        if isinstance(checks, str):
            checks = [checks]
        return self._validations.latest_passed(ref, tuple(checks))
