"""The validation use cases: run a suite on a holdout, store the run on the version, read runs back.

``validate`` checks its input completely before it loads anything heavy or
writes anything: a holdout without the target, an empty one, columns whose
types contradict the version's signature, a sensitive feature with one group
or a suite naming an unknown check is an :class:`InvalidInputError`, and no
run is stored. A run and its audit event commit in one transaction.

Policies call :meth:`ValidationService.latest_passed` to ask "has this version
passed these checks on some data?".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from steward.core.audit import AuditEvent
from steward.core.errors import InvalidInputError, NotFoundError
from steward.core.permissions import Permission
from steward.core.registry import ModelRef, ModelVersion
from steward.core.validation.contract import contract_violations
from steward.core.validation.metrics import METRICS, Outcomes, Task
from steward.core.validation.results import CheckResult, ValidationRun
from steward.core.validation.suites import Suite, default_suite
from steward.ports import ArtifactStore, Store
from steward.services.access import AccessControl
from steward.services.datasets import fingerprint
from steward.services.packaging import load_version
from steward.services.registry import RegistryService
from steward.services.validation_checks import Scored, finite, run_check
from steward.services.validation_report import render_html
from steward.services.validation_scoring import build_outcomes, infer_task, model_features, predict_table

Progress = Callable[[str, int, int], None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ValidationService:
    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        registry: RegistryService,
        *,
        clock: Callable[[], datetime] = _utcnow,
        timer: Callable[[], float] = time.perf_counter,
        access: AccessControl | None = None,
    ) -> None:
        self._access = access
        self._store = store
        self._artifacts = artifacts
        self._registry = registry
        self._clock = clock
        self._timer = timer

    # -- running ----------------------------------------------------------------

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
    ) -> ValidationRun:
        """Run *suite* (the task's default if None) on *data* and store the run on the version.

        *against* names the baseline for ``no_regression`` checks: an alias of
        the same model (``champion``, the default: skipped quietly when the
        model has none, or when it is this version), or a full reference
        (``churn/3``), which must exist.
        """
        if self._access is not None:
            self._access.require(actor, Permission.VALIDATE, model=_model_of(ref))
        version = self._registry.get_version(ref)
        sensitive = tuple(sensitive)
        _check_data(data, target, sensitive, suite, version)
        baseline_version = self._baseline(version, against)
        model = load_version(self._artifacts, version)
        try:
            features = model_features(data, target, model)
            candidate = predict_table(model, features)
            base = None
            if baseline_version is not None:
                base_model = load_version(self._artifacts, baseline_version)
                try:
                    base = predict_table(base_model, model_features(data, target, base_model))
                finally:
                    base_model.close()
            task = suite.task if suite is not None and suite.task else infer_task(data[target], candidate)
            outcomes, base_outcomes = build_outcomes(task, data[target], candidate, base)
            chosen = suite or default_suite(task, sensitive=bool(sensitive), has_baseline=base is not None)
            _check_suite(chosen, data, task, sensitive)
            scored = Scored(
                data=data,
                features=features,
                outcomes=outcomes,
                predict=model.predict,
                labels=np.asarray,
                signature=version.signature,
                sensitive=sensitive,
                clock=self._timer,
                baseline=base_outcomes,
                against=baseline_version.ref if baseline_version else None,
            )
            results: list[CheckResult] = []
            for i, check in enumerate(chosen.checks):
                if progress is not None:
                    progress(check.name, i, len(chosen.checks))
                results.extend(run_check(check, scored))
            if progress is not None:
                progress("storing the run", len(chosen.checks), len(chosen.checks))
        finally:
            model.close()
        metrics = {m.name: finite(_safe(m.compute, outcomes)) for m in METRICS.values() if task in m.tasks}
        run = ValidationRun(
            id=0,
            model=version.model,
            version=version.version,
            created_at=self._clock(),
            created_by=actor,
            data_fingerprint=fingerprint(data),
            rows=len(data),
            target=target,
            task=task,
            against=scored.against,
            passed=all(r.status not in ("fail", "error") for r in results),
            checks=tuple(results),
            metrics={k: v for k, v in metrics.items() if v is not None},
            suite=chosen.to_dict() | {"task": task},
        )
        with self._store.write() as tx:
            stored = tx.validation.add(run)
            tx.audit.append(
                AuditEvent(
                    action="version.validate",
                    target_type="version",
                    target=version.ref,
                    actor=actor,
                    at=run.created_at,
                    after={
                        "run": stored.id,
                        "passed": stored.passed,
                        "failed": stored.failed,
                        "data_fingerprint": stored.data_fingerprint,
                    },
                )
            )
        return stored

    def _baseline(self, version: ModelVersion, against: str | None) -> ModelVersion | None:
        if against is None:
            return None
        if "/" in against or "@" in against:
            found = self._registry.get_version(against)
        else:
            try:
                found = self._registry.get_version(ModelRef(version.model, alias=against))
            except NotFoundError:
                if against == "champion":
                    return None  # no champion yet: nothing to regress against
                raise
        if found.ref == version.ref:
            return None  # the champion itself: a comparison with itself says nothing
        return found

    # -- reading ----------------------------------------------------------------

    def get_run(self, run_id: int, ref: str | ModelRef | None = None) -> ValidationRun:
        """Run *run_id*; with *ref*, NotFoundError unless it validated that version."""
        if isinstance(run_id, bool) or not isinstance(run_id, int) or run_id < 1:
            raise InvalidInputError(f"A validation run id is a whole number from 1, not {run_id!r}.")
        version = None if ref is None else self._registry.get_version(ref)
        with self._store.read() as tx:
            run = tx.validation.get(run_id)
        if version is not None and run.ref != version.ref:
            raise NotFoundError(
                f"Version {version.ref} has no validation run {run_id} (it validated {run.ref})."
            )
        return run

    def list_runs(self, ref: str | ModelRef, *, limit: int = 100) -> list[ValidationRun]:
        """The version's runs, newest first."""
        version = self._registry.get_version(ref)
        with self._store.read() as tx:
            return tx.validation.list(version.model, version.version, limit=limit)

    def report_html(self, run_id: int, ref: str | ModelRef | None = None) -> str:
        """The run as a standalone HTML page with plots."""
        return render_html(self.get_run(run_id, ref))

    def latest_passed(self, ref: str | ModelRef, checks: Sequence[str] = ()) -> ValidationRun | None:
        """The newest run of the version in which every named check passed (any passing run if none named).

        A name matches a check exactly (``metric:roc_auc``) or all of a
        fairness check's per-feature results (``fairness:demographic_parity_ratio``).
        A check that was not estimable has not passed.
        """
        return first_passed(self.list_runs(ref), checks)


class ValidationGate:
    """Stored runs as the policies' ``ValidationResults`` port.

    True when some run of the version passed every named check, False when the
    version has runs but none did, None when it has no run at all.
    """

    def __init__(self, validation: ValidationService) -> None:
        self._validation = validation

    def latest_passed(self, model: str, version: int, checks: Sequence[str]) -> bool | None:
        runs = self._validation.list_runs(ModelRef(model, version=version))
        if not runs:
            return None
        return first_passed(runs, checks) is not None


def _model_of(ref: str | ModelRef) -> str:
    return ref.model if isinstance(ref, ModelRef) else ModelRef.parse(ref).model


def first_passed(runs: Sequence[ValidationRun], checks: Sequence[str]) -> ValidationRun | None:
    """The first of *runs* in which every named check passed (any passing run if none named)."""
    for run in runs:
        if not checks and run.passed:
            return run
        if checks and all(run.status_of(name) == "pass" for name in checks):
            return run
    return None


def _safe(compute: Callable[[Outcomes], float], outcomes: Outcomes) -> float | None:
    try:
        return compute(outcomes)
    except InvalidInputError:  # e.g. roc_auc without probabilities
        return None


def _check_data(
    data: pd.DataFrame, target: str, sensitive: tuple[str, ...], suite: Suite | None, version: ModelVersion
) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(
            f"Validation data must be a table (a pandas DataFrame), not {type(data).__name__}."
        )
    if len(data) == 0:
        raise InvalidInputError("The validation data has no rows.")
    columns = [str(c) for c in data.columns]
    if target not in data.columns:
        raise InvalidInputError(
            f"The data has no target column {target!r}; it has {', '.join(map(repr, columns))}."
        )
    if data[target].isna().any():
        raise InvalidInputError(
            f"The target column {target!r} has {int(data[target].isna().sum())} missing value(s)."
        )
    for column in sensitive:
        if column not in data.columns:
            raise InvalidInputError(
                f"The data has no sensitive column {column!r}; it has {', '.join(map(repr, columns))}."
            )
        groups = data[column].nunique(dropna=False)
        if groups < 2:
            raise InvalidInputError(
                f"The sensitive column {column!r} has one group only; fairness compares two or more."
            )
    if version.signature is not None and version.signature.kind == "columns":
        hard = [p for p in contract_violations(data, version.signature) if "missing value" not in p]
        if hard:
            raise InvalidInputError(
                f"The data does not fit version {version.ref}'s signature: " + "; ".join(hard) + "."
            )


def _check_suite(suite: Suite, data: pd.DataFrame, task: Task, sensitive: tuple[str, ...]) -> None:
    for check in suite.checks:
        if check.kind in ("metric", "no_regression") and task not in METRICS[str(check.metric)].tasks:
            known = ", ".join(m.name for m in METRICS.values() if task in m.tasks)
            raise InvalidInputError(
                f"Check {check.name} does not apply to a {task} model; use one of {known}."
            )
        for column in [check.by] if check.by else list(check.features):
            if column not in data.columns:
                raise InvalidInputError(
                    f"Check {check.name} names column {column!r}, which the data does not have."
                )
        if check.kind == "fairness":
            if task != "binary":
                raise InvalidInputError(f"Fairness checks apply to binary classifiers; this model is {task}.")
            if not (check.features or sensitive):
                raise InvalidInputError(
                    f"Check {check.name} needs a sensitive feature: pass --sensitive COLUMN."
                )
            for column in check.features:
                if data[column].nunique(dropna=False) < 2:
                    raise InvalidInputError(f"The sensitive column {column!r} has one group only.")
