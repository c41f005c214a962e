"""The deployment use cases: declare, change, roll back, promote and resolve deployments.

Every change writes a new revision and its audit event in one transaction,
after checking the spec and that every ref it names resolves now. A change
that would leave the spec as it is writes nothing and returns the current
revision. :meth:`DeploymentService.resolve` is what the data plane reads.

A deployment may declare the environment it runs in (once set, every revision keeps it; a
spec that names none inherits it). A change that puts a version into a guarded environment
(a new deployment, a newly declared environment, or a version the current revision does not
answer with) must pass the policies guarding ``env:NAME``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from steward.core.audit import AuditEvent
from steward.core.deployment import (
    Deployment,
    DeploymentSpec,
    KilledVersion,
    ResolvedDeployment,
    ResolvedRoute,
    Route,
    check_deployment_name,
    check_kill_reason,
    check_revision,
    with_kill_switches,
)
from steward.core.errors import ConflictError, InvalidInputError, NotFoundError
from steward.core.permissions import Permission
from steward.core.registry import ModelRef, ModelVersion
from steward.ports import Store, Transaction
from steward.services.registry import Clock, utcnow

if TYPE_CHECKING:
    from steward.services.access import AccessControl

REASON_MAX = 1000

#: A change: the new spec from the current revision, inside the write transaction.
Change = Callable[[Deployment, Transaction], DeploymentSpec]


class EnvironmentGate(Protocol):
    """What guards environments (``PolicyService``): raises PolicyViolationError to refuse a change."""

    def enforce_environment_in(
        self, tx: Transaction, environment: str, versions: Sequence[tuple[str, int]], *, deployment: str
    ) -> None: ...


class DeploymentService:
    """Deployments: every change a checked, audited revision; ``resolve`` for the data plane."""

    def __init__(
        self,
        store: Store,
        clock: Clock = utcnow,
        *,
        access: AccessControl | None = None,
        gate: EnvironmentGate | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        self.gate = gate

    def _enforce(
        self, tx: Transaction, name: str, spec: DeploymentSpec, before: DeploymentSpec | None
    ) -> None:
        """The environment's policies for every version *spec* newly answers with there."""
        if self.gate is None or spec.environment is None:
            return
        versions = _answering(tx, spec)
        if before is not None and before.environment == spec.environment:
            versions -= _answering(tx, before)
        if versions:
            self.gate.enforce_environment_in(tx, spec.environment, sorted(versions), deployment=name)

    def _require(
        self, tx: Transaction, actor: str, *specs: DeploymentSpec, permission: Permission = Permission.DEPLOY
    ) -> None:
        """*permission* (deploy) on every model the specs route to (a model-scoped operator's own)."""
        if self.access is None:
            return
        models: Sequence[str | None] = sorted(
            {ModelRef.parse(r).model for spec in specs for r in _refs(spec)}
        )
        for model in models or [None]:
            self.access.require_in(tx, actor, permission, model=model)

    # -- changes --------------------------------------------------------------

    def create(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment:
        """Revision 1 of a new deployment; ConflictError if the name is taken."""
        check_deployment_name(name)
        spec = _checked(spec)
        _check_reason(reason)
        with self.store.write() as tx:
            self._require(tx, actor, spec)
            if spec.killed is not None:
                self._require(tx, actor, spec, permission=Permission.KILL_SWITCH)
            _resolve_all(tx, spec)
            self._enforce(tx, name, spec, None)
            at = self.clock()
            created = tx.deployments.create(name, spec, actor=actor, at=at, reason=reason)
            tx.audit.append(_event("deployment.create", created, None, reason))
            return created

    def update(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment:
        """Replace the spec: a new revision."""
        spec = _checked(spec)
        return self._change(name, "deployment.update", actor, reason, lambda current, tx: spec)

    def set_weights(self, name: str, routes: Sequence[Route], *, actor: str, reason: str = "") -> Deployment:
        """New routes and weights; shadows, fallback, batching and the rest stay as they are."""
        new_routes = tuple(routes)
        if not all(isinstance(r, Route) for r in new_routes):
            raise InvalidInputError("Routes must be Route values, e.g. Route('churn@champion', 100).")
        return self._change(
            name,
            "deployment.update",
            actor,
            reason,
            lambda current, tx: replace(current.spec, routes=new_routes),
        )

    def rollback(self, name: str, *, actor: str, reason: str = "") -> Deployment:
        """A new revision whose spec is the one before the current revision."""

        def previous(current: Deployment, tx: Transaction) -> DeploymentSpec:
            if current.revision < 2:
                raise ConflictError(
                    f"Deployment {name!r} is at revision 1: there is no earlier revision to roll back "
                    "to. Change it with `steward deploy update` instead."
                )
            return tx.deployments.get(name, current.revision - 1).spec

        return self._change(name, "deployment.rollback", actor, reason or "rollback", previous)

    def promote(self, name: str, ref: str, *, actor: str, reason: str = "") -> Deployment:
        """All traffic to the route *ref* (e.g. the canary); the other routes are dropped."""
        if not isinstance(ref, str):
            raise InvalidInputError("The ref to promote is text, e.g. churn/7 or churn@challenger.")
        return self._change(
            name, "deployment.promote", actor, reason, lambda current, tx: current.spec.promoted(ref)
        )

    def kill(self, name: str, *, actor: str, reason: str) -> Deployment:
        """The kill switch: a new revision that stops serving at once (the fallback answers, else 503).

        Needs the kill-switch permission and a reason; ConflictError if the deployment is already
        stopped. :meth:`revive` (or a rollback) serves the routes again."""
        why = check_kill_reason(reason)

        def stopped(current: Deployment, tx: Transaction) -> DeploymentSpec:
            if current.spec.killed is not None:
                raise ConflictError(
                    f"Deployment {name!r} is already stopped by its kill switch ({current.spec.killed}). "
                    "Revive it with `steward kill revive` first to stop it for another reason."
                )
            return replace(current.spec, killed=why)

        return self._change(name, "deployment.kill", actor, reason, stopped, Permission.KILL_SWITCH)

    def revive(self, name: str, *, actor: str, reason: str) -> Deployment:
        """Undo the kill switch: a new revision serving the routes again (needs a reason too)."""
        check_kill_reason(reason)

        def serving(current: Deployment, tx: Transaction) -> DeploymentSpec:
            if current.spec.killed is None:
                raise ConflictError(
                    f"Deployment {name!r} is not stopped by its kill switch: nothing to revive."
                )
            return replace(current.spec, killed=None)

        return self._change(name, "deployment.revive", actor, reason, serving, Permission.KILL_SWITCH)

    def _change(
        self,
        name: str,
        action: str,
        actor: str,
        reason: str,
        make: Change,
        permission: Permission = Permission.DEPLOY,
    ) -> Deployment:
        with self.store.write() as tx:
            return self.change_in(tx, name, action, make, actor=actor, reason=reason, permission=permission)

    def change_in(
        self,
        tx: Transaction,
        name: str,
        action: str,
        make: Change,
        *,
        actor: str,
        reason: str = "",
        permission: Permission | None = Permission.DEPLOY,
    ) -> Deployment:
        """A change inside a transaction the caller holds, so the caller's own record of why (a
        rollout's step) commits with it. ``permission=None`` skips the permission checks (the
        caller checked when the work was authorised); the environment's policies always apply."""
        check_deployment_name(name)
        _check_reason(reason)
        current = tx.deployments.get(name, lock=True)
        if permission is not None:
            self._require(tx, actor, current.spec, permission=permission)
        spec = _same_environment(name, _checked(make(current, tx)), current.spec)
        if permission is not None:
            self._require(tx, actor, spec, permission=permission)
        if (
            permission is not None
            and spec.killed != current.spec.killed
            and permission is not Permission.KILL_SWITCH
        ):  # stopping or reviving, however it is asked for
            self._require(tx, actor, current.spec, spec, permission=Permission.KILL_SWITCH)
        if spec == current.spec:
            return current
        _resolve_all(tx, spec)
        self._enforce(tx, name, spec, current.spec)
        at = self.clock()
        changed = tx.deployments.append_revision(name, spec, actor=actor, at=at, reason=reason)
        tx.audit.append(_event(action, changed, current, reason))
        return changed

    def kill_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion:
        """The kill switch for a version (``churn/3``, or an alias's version now): every deployment
        stops routing to it at once; ConflictError if it is already stopped."""
        why = check_kill_reason(reason)
        assert why is not None
        with self.store.write() as tx:
            version = _version(tx, _ref_text(ref), "Version")
            if self.access is not None:
                self.access.require_in(tx, actor, Permission.KILL_SWITCH, model=version.model)
            if (found := tx.killed_versions.get(version.model, version.version)) is not None:
                raise ConflictError(
                    f"{version.ref} is already stopped by the kill switch ({found.reason}); "
                    "revive it first to stop it for another reason."
                )
            killed = KilledVersion(version.model, version.version, why, actor, self.clock())
            tx.killed_versions.add(killed)
            tx.audit.append(_version_event("version.kill", killed, actor, why))
            return killed

    def revive_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion:
        """Undo a version's kill switch: deployments route to it again. The record that was removed."""
        why = check_kill_reason(reason)
        assert why is not None
        with self.store.write() as tx:
            version = _version(tx, _ref_text(ref), "Version")
            if self.access is not None:
                self.access.require_in(tx, actor, Permission.KILL_SWITCH, model=version.model)
            found = tx.killed_versions.get(version.model, version.version)
            if found is None:
                raise ConflictError(f"{version.ref} is not stopped by the kill switch: nothing to revive.")
            tx.killed_versions.remove(version.model, version.version)
            tx.audit.append(_version_event("version.revive", found, actor, why, at=self.clock()))
            return found

    def killed_versions(self) -> list[KilledVersion]:
        """Every version stopped by the kill switch, by model and number."""
        with self.store.read() as tx:
            return tx.killed_versions.list()

    # -- reads ----------------------------------------------------------------

    def get(self, name: str, revision: int | None = None) -> Deployment:
        """The current revision, or revision *revision*."""
        check_deployment_name(name)
        number = None if revision is None else check_revision(revision)
        with self.store.read() as tx:
            return tx.deployments.get(name, number)

    def history(self, name: str) -> list[Deployment]:
        """Every revision, oldest first."""
        check_deployment_name(name)
        with self.store.read() as tx:
            return tx.deployments.history(name)

    def list(self) -> list[Deployment]:
        """The current revision of every deployment, by name."""
        with self.store.read() as tx:
            return tx.deployments.list()

    def resolve(self, name: str) -> ResolvedDeployment:
        """The current revision with every ref resolved to the version it means now (one snapshot)."""
        check_deployment_name(name)
        with self.store.read() as tx:
            deployment = tx.deployments.get(name)
            spec = deployment.spec
            routes = tuple(ResolvedRoute(r.ref, r.weight, _version(tx, r.ref, "Route")) for r in spec.routes)
            shadows = tuple(_version(tx, ref, "Shadow") for ref in spec.shadows)
            fallback = _version(tx, spec.fallback, "Fallback") if spec.fallback else None
            named = (*(r.version for r in routes), *shadows, *([fallback] if fallback else []))
            killed = {
                v.ref: found.reason
                for v in named
                if (found := tx.killed_versions.get(v.model, v.version)) is not None
            }
        return with_kill_switches(ResolvedDeployment(deployment, routes, shadows, fallback), killed)


def _checked(spec: DeploymentSpec) -> DeploymentSpec:
    if not isinstance(spec, DeploymentSpec):
        raise InvalidInputError(f"A deployment spec must be a DeploymentSpec, got {type(spec).__name__}.")
    return spec.checked()


def _same_environment(name: str, spec: DeploymentSpec, current: DeploymentSpec) -> DeploymentSpec:
    """*spec* in the current revision's environment: inherited when it names none; ConflictError
    when it names another (an environment is declared once, so a change cannot leave its gates)."""
    if current.environment is None or spec.environment == current.environment:
        return spec
    if spec.environment is None:
        return replace(spec, environment=current.environment)
    raise ConflictError(
        f"Deployment {name!r} runs in environment {current.environment!r} and cannot move to "
        f"{spec.environment!r}; create a new deployment for that environment."
    )


def _refs(spec: DeploymentSpec) -> list[str]:
    return [r.ref for r in spec.routes] + list(spec.shadows) + ([spec.fallback] if spec.fallback else [])


def _resolve_all(tx: Transaction, spec: DeploymentSpec) -> None:
    """NotFoundError naming the first ref of *spec* that does not resolve now."""
    for route in spec.routes:
        _version(tx, route.ref, "Route")
    for ref in spec.shadows:
        _version(tx, ref, "Shadow")
    if spec.fallback:
        _version(tx, spec.fallback, "Fallback")


def _answering(tx: Transaction, spec: DeploymentSpec) -> set[tuple[str, int]]:
    """The versions (model, number) *spec* answers with now: its routes and fallback."""
    refs = [r.ref for r in spec.routes] + ([spec.fallback] if spec.fallback else [])
    found = set()
    for ref in refs:
        try:
            version = _version(tx, ref, "Route")
        except NotFoundError:  # an old revision's alias that no longer resolves answers nothing
            continue
        found.add((version.model, version.version))
    return found


def _version(tx: Transaction, ref: str, role: str) -> ModelVersion:
    """The version *ref* (``churn/3`` or ``churn@champion``) means now."""
    parsed = ModelRef.parse(ref)
    try:
        number = parsed.version
        if parsed.alias is not None:
            number = tx.models.get_alias(parsed.model, parsed.alias)
            if number is None:
                raise NotFoundError(f"Model {parsed.model!r} has no alias {parsed.alias!r}.")
        if number is None:
            raise InvalidInputError(f"{role} {ref} must name a version or an alias.")
        return tx.models.get_version(parsed.model, number)
    except NotFoundError as exc:
        raise NotFoundError(f"{role} {ref} does not resolve: {exc.message}") from None


def _event(action: str, after: Deployment, before: Deployment | None, reason: str) -> AuditEvent:
    details = {"revision": after.revision}
    if before is not None:
        details["previous_revision"] = before.revision
    return AuditEvent(
        action=action,
        target_type="deployment",
        target=after.name,
        actor=after.created_by,
        at=after.created_at,
        before=before.spec.to_dict() if before is not None else None,
        after=after.spec.to_dict(),
        reason=reason,
        details=details,
    )


def _ref_text(ref: object) -> str:
    if not isinstance(ref, str):
        raise InvalidInputError("A version is text, e.g. churn/3 or churn@champion.")
    return ref


def _version_event(
    action: str, killed: KilledVersion, actor: str, reason: str, *, at: datetime | None = None
) -> AuditEvent:
    return AuditEvent(
        action=action,
        target_type="version",
        target=killed.ref,
        actor=actor,
        at=at or killed.killed_at,
        reason=reason,
        details={"model": killed.model, "version": killed.version},
    )


def _check_reason(text: str) -> None:
    if not isinstance(text, str) or len(text) > REASON_MAX:
        raise InvalidInputError(f"A reason is text of at most {REASON_MAX} characters.")
