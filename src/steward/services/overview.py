"""Read-only overviews of a model, a version, and two versions side by side (the console's pages).

Each overview gathers what the registry, validation, explanation, card,
approval and kill-switch records hold about its subject, so a page makes one
call. Nothing here changes state.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.core.approval import ApprovalRequest
from steward.core.card import ModelCard
from steward.core.compare import (
    MetricDiff,
    SignatureDiff,
    ValueDiff,
    best_values,
    diff_metrics,
    diff_signatures,
    diff_values,
    metric_names,
)
from steward.core.deployment import KilledVersion
from steward.core.errors import InvalidInputError
from steward.core.explain.explanation import Explanation
from steward.core.finding import Finding
from steward.core.registry import (
    AliasEvent,
    ModelRef,
    ModelVersion,
    RegisteredModel,
    check_model_name,
    check_version_number,
)
from steward.core.search import encode_page_token
from steward.core.validation.results import CheckResult, ValidationRun
from steward.ports import Store
from steward.services.registry import LineageReport, RegistryService

#: Versions a model page shows at once, at most.
MAX_PAGE = 200
#: Validation runs a version page lists.
RUNS_SHOWN = 10


@dataclass(frozen=True)
class ModelOverview:
    """A model, one page of its versions (newest first) and its alias timeline (oldest first)."""

    model: RegisteredModel
    versions: tuple[ModelVersion, ...]
    has_next: bool
    metric_names: tuple[str, ...]
    best: dict[str, float]  # per metric, the best value among the versions shown
    alias_events: tuple[AliasEvent, ...]


@dataclass(frozen=True)
class Comparison:
    """Versions a and b of one model: metrics, parameters, signature and latest validation."""

    a: ModelVersion
    b: ModelVersion
    metrics: tuple[MetricDiff, ...]
    params: tuple[ValueDiff, ...]
    signature: SignatureDiff
    validation_a: ValidationRun | None
    validation_b: ValidationRun | None

    @property
    def checks(self) -> list[tuple[str, CheckResult | None, CheckResult | None]]:
        """Every check of either latest run, by name: (name, in a's run, in b's run)."""
        a = {c.name: c for c in self.validation_a.checks} if self.validation_a else {}
        b = {c.name: c for c in self.validation_b.checks} if self.validation_b else {}
        return [(name, a.get(name), b.get(name)) for name in list(a) + [n for n in b if n not in a]]


@dataclass(frozen=True)
class VersionOverview:
    """Everything recorded about one version."""

    version: ModelVersion
    owner: str
    lineage: LineageReport
    runs: tuple[ValidationRun, ...]  # newest first
    explanations: tuple[Explanation, ...]  # newest first
    card: ModelCard | None
    approvals: tuple[ApprovalRequest, ...]
    findings: tuple[Finding, ...]  # open and closed, oldest first
    killed: KilledVersion | None
    alias_events: tuple[AliasEvent, ...]  # moves of any alias to or from this version

    @property
    def latest_run(self) -> ValidationRun | None:
        return self.runs[0] if self.runs else None

    def latest_explanation(self, kind: str) -> Explanation | None:
        return next((e for e in self.explanations if e.kind == kind), None)


class OverviewService:
    def __init__(self, store: Store, registry: RegistryService) -> None:
        self.store = store
        self.registry = registry

    def model(self, name: str, *, offset: int = 0, limit: int = 50) -> ModelOverview:
        """Model *name* with versions ``offset .. offset+limit`` (newest first) and every alias move."""
        check_model_name(name)
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInputError(f"Show 1 to {MAX_PAGE} versions a page, from offset 0.")
        model = self.registry.get_model(name)
        quoted = name.replace("'", "''")
        page = self.registry.search_versions(
            f"name = '{quoted}'",
            order_by="created_at DESC",  # newest first, along the (model, created_at, id) index
            max_results=limit,
            page_token=encode_page_token(offset) if offset else None,
        )
        versions = tuple(page.items)
        names = metric_names(v.metrics for v in versions)
        return ModelOverview(
            model=model,
            versions=versions,
            has_next=page.next_page_token is not None,
            metric_names=tuple(names),
            best=best_values([v.metrics for v in versions], names),
            alias_events=tuple(self.registry.alias_history(name)),
        )

    def compare(self, name: str, a: int | str, b: int | str) -> Comparison:
        """Versions *a* and *b* of model *name* side by side."""
        first = self.registry.get_version(ModelRef(check_model_name(name), version=check_version_number(a)))
        second = self.registry.get_version(ModelRef(name, version=check_version_number(b)))
        with self.store.read() as tx:
            runs_a = tx.validation.list(name, first.version, limit=1)
            runs_b = tx.validation.list(name, second.version, limit=1)
        return Comparison(
            a=first,
            b=second,
            metrics=tuple(diff_metrics(first.metrics, second.metrics)),
            params=tuple(diff_values(first.params, second.params)),
            signature=diff_signatures(first.signature, second.signature),
            validation_a=runs_a[0] if runs_a else None,
            validation_b=runs_b[0] if runs_b else None,
        )

    def version(self, name: str, number: int | str) -> VersionOverview:
        """Version *number* of model *name* with its lineage, validation, explanations, card and approvals."""
        ref = ModelRef(check_model_name(name), version=check_version_number(number))
        lineage = self.registry.lineage(ref)
        version = lineage.version
        with self.store.read() as tx:
            owner = tx.models.get_model(name).owner
            runs = tx.validation.list(name, version.version, limit=RUNS_SHOWN)
            explanations = tx.explanations.list(name, version.version)
            card = tx.cards.find(name, version.version)
            approvals = tx.approvals.list(model=name, version=version.version)
            findings = tx.findings.list(model=name, version=version.version)
            killed = tx.killed_versions.get(name, version.version)
            moves = [
                e
                for e in tx.models.alias_history(name, None)
                if version.version in (e.version, e.previous_version)
            ]
        return VersionOverview(
            version=version,
            owner=owner,
            lineage=lineage,
            runs=tuple(runs),
            explanations=tuple(explanations),
            card=card,
            approvals=tuple(approvals),
            findings=tuple(findings),
            killed=killed,
            alias_events=tuple(moves),
        )
