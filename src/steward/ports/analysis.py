"""Validation runs and explanations, and what policies ask of validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from steward.core.explain import Explanation
from steward.core.validation.results import ValidationRun


class ValidationResults(Protocol):
    """What policies ask of the validation feature.

    ``latest_passed`` is True when the newest results for *version* passed
    every one of *checks*, False when one failed, None when there are no
    results for some of them (a gate then fails with that reason).
    """

    def latest_passed(self, model: str, version: int, checks: Sequence[str]) -> bool | None: ...


class ValidationRepository(Protocol):
    """Validation runs, stored on the version they validated."""

    def add(self, run: ValidationRun) -> ValidationRun:
        """Store *run* (its id is ignored); NotFoundError if its version does not exist."""
        ...

    def get(self, run_id: int) -> ValidationRun:
        """Raises NotFoundError."""
        ...

    def list(self, model: str, version: int, *, limit: int = 100) -> list[ValidationRun]:
        """The version's runs, newest first."""
        ...


class ExplanationRepository(Protocol):
    """Stored explanations, one per (version, data fingerprint, request key)."""

    def insert(self, explanation: Explanation) -> Explanation:
        """Store it (the result gets its id); ConflictError if that version, data and request have one."""
        ...

    def find(
        self, model: str, version: int, data_fingerprint: str, request_key: str
    ) -> Explanation | None: ...

    def get(self, model: str, version: int, explanation_id: int) -> Explanation:
        """Raises NotFoundError."""
        ...

    def list(self, model: str, version: int, kind: str | None = None) -> list[Explanation]:
        """Newest first."""
        ...
