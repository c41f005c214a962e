"""Executing one claimed retraining run: entry point, candidate, validation, approval or alias.

Nothing here touches production unless every step before succeeded: a run
whose entry point fails, exits non-zero, times out or is cancelled registers
nothing; a candidate that fails validation stays registered (tagged with its
run) and the run fails with no approval requested and no alias moved. A policy
refusing the alias move is the run's recorded outcome, not a crash.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from steward.artifacts import put_tree
from steward.core.audit import AuditEvent
from steward.core.errors import NotFoundError, PermissionDeniedError, StewardError
from steward.core.lineage import Lineage, describe_dataset
from steward.core.registry import ModelRef, VersionDraft
from steward.core.retrain_runs import RetrainRun, parse_progress
from steward.core.retraining import RetrainConfig
from steward.core.signature import Signature
from steward.core.validation.suites import parse_suite
from steward.ports import ArtifactStore, Store
from steward.services.approvals import ApprovalService
from steward.services.environment import package_versions, python_version
from steward.services.registry import Clock, RegistryService
from steward.services.retrain_runner import Execution, run_local, run_ray
from steward.services.retrain_worker import CANDIDATE_FILE, MODEL_FOLDER, read_source
from steward.services.validation import ValidationService

log = logging.getLogger("steward.retraining")

#: A running run's lease; renewed every HEARTBEAT_S while its process lives.
LEASE_S = 60.0
HEARTBEAT_S = 1.0


@dataclass
class RunParts:
    """What the executor needs of the other services."""

    store: Store
    artifacts: ArtifactStore
    registry: RegistryService
    validation: ValidationService
    approvals: ApprovalService
    clock: Clock


class RunFailed(Exception):
    """A step failed; the message is the run's error."""


class RunExecutor:
    def __init__(
        self, parts: RunParts, run: RetrainRun, config: RetrainConfig, token: str, folder: Path, acting: str
    ) -> None:
        self.parts = parts
        self.acting = acting  # whom the candidate is registered, validated and proposed as
        self.run = run
        self.config = config
        self.token = token
        self.folder = folder
        self.log_path = folder / "run.log"
        self.cancelled = threading.Event()
        self.interrupted = False  # set with ``cancelled`` when the control plane stops
        self._beat = 0.0

    # -- the steps --------------------------------------------------------------------------------

    def execute(self) -> RetrainRun:
        run, config = self.run, self.config
        output = self.folder / "output"
        output.mkdir(parents=True, exist_ok=True)
        self.note(
            f"run {run.id} of {run.model}: {run.trigger} ({run.trigger_detail}), engine {config.engine}"
        )
        parent = self._champion()
        self._update(parent=parent, log_path=str(self.log_path), message="training")
        spec = {
            "run_id": run.id,
            "entry": config.entry,
            "data": config.data,
            "target": config.target,
            "parent": parent,
            "params": dict(config.params),
            "output": str(output),
            "cwd": os.getcwd(),
        }
        launch: Callable[..., Execution] = run_ray if config.engine == "ray" else run_local
        started = time.monotonic()
        try:
            done = launch(
                spec, self.folder, self.log_path, timeout=config.timeout_s, keep_going=self._keep_going
            )
        except StewardError as exc:  # e.g. ray missing: the install command is the error
            done = Execution(None, error=str(exc))
        self.note(
            f"the entry point ended (exit code {done.exit_code}) after {time.monotonic() - started:.2f} s"
        )
        if not done.ok:
            if self.interrupted:
                return self._finish(
                    "failed", error="The control plane stopped during the run; its process was killed."
                )
            state = "cancelled" if done.cancelled else "failed"
            return self._finish(state, error=done.error or "The entry point failed.")
        try:
            candidate = self._register(output, parent)
            self._update(candidate=candidate, progress=1.0, message="validating")
            passed = self._validate(candidate, parent)
            if not passed:
                return self._finish("failed", error="The candidate failed validation; nothing was promoted.")
            outcome, approval = self._after(candidate)
        except RunFailed as exc:
            return self._finish("failed", error=str(exc))
        except StewardError as exc:
            return self._finish("failed", error=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # the run fails, the runner lives on; the trace goes to the server log
            log.exception("retraining run %s failed", run.id)
            return self._finish("failed", error=f"{type(exc).__name__}: {str(exc)[:500]}")
        return self._finish("succeeded", outcome=outcome, approval=approval, message="done")

    def _champion(self) -> str | None:
        try:
            return self.parts.registry.get_version(ModelRef(self.run.model, alias=self.config.champion)).ref
        except NotFoundError:
            return None

    def _register(self, output: Path, parent: str | None) -> str:
        meta_path = output / CANDIDATE_FILE
        if not meta_path.is_file() or not (output / MODEL_FOLDER).is_dir():
            raise RunFailed(
                "The entry point saved no candidate: return the fitted model from a module:function entry "
                "point, or call steward.services.retrain_worker.save_candidate(model) from a command."
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        digest = put_tree(self.parts.artifacts, output / MODEL_FOLDER)
        data = read_source(self.config.data)
        run, p = self.run, self.parts
        lineage = Lineage(
            datasets=(describe_dataset(data, "training", "training", uri=self.config.data),),
            python_version=python_version(),
            packages=package_versions(str(meta["flavor"])),
            parent=parent,
            source=f"retraining run {run.id} ({run.trigger}: {run.trigger_detail})"[:500],
        )
        draft = VersionDraft(
            model=run.model,
            artifact_digest=digest,
            flavor=str(meta["flavor"]),
            signature=Signature.from_dict(meta["signature"]) if meta.get("signature") else None,
            metrics=dict(meta.get("metrics") or {}),
            params={k: str(v) for k, v in self.config.params.items()},
            tags={"steward.retrain.run": str(run.id), "steward.retrain.trigger": run.trigger},
            description=f"Retrained by run {run.id} ({run.trigger}).",
            lineage=lineage,
            flavor_options=dict(meta.get("flavor_options") or {}),
        )
        version = p.registry.register_version(draft, actor=self.acting)
        self.note(f"registered {version.ref} (parent {parent or 'none'})")
        return version.ref

    def _validate(self, candidate: str, parent: str | None) -> bool:
        holdout = read_source(self.config.holdout or self.config.data)
        suite = parse_suite(self.config.suite) if self.config.suite else None
        result = self.parts.validation.validate(
            candidate,
            holdout,
            self.config.target,
            actor=self.acting,
            suite=suite,
            against=parent,
        )
        self._update(validation_run=result.id, validation_passed=result.passed)
        failed = [c.name for c in result.checks if c.status in ("fail", "error")]
        self.note(
            f"validation run {result.id}: {'passed' if result.passed else 'failed ' + ', '.join(failed)}"
        )
        return result.passed

    def _after(self, candidate: str) -> tuple[str, int | None]:
        run, after = self.run, self.config.after
        reason = f"retraining run {run.id} ({run.trigger})"
        if after == "approval":
            request = self.parts.approvals.request(
                candidate, self.config.champion, actor=self.acting, reason=reason
            )
            self.note(f"approval {request.id} requested for {candidate} as {self.config.champion}")
            return f"Approval {request.id} requested for {self.config.champion}.", request.id
        alias = after.removeprefix("alias:")
        version = ModelRef.parse(candidate).version
        assert version is not None
        try:
            self.parts.registry.set_alias(run.model, alias, version, actor=self.acting, reason=reason)
        except PermissionDeniedError as exc:  # a policy (or a missing grant) refused the move: the outcome
            self.note(f"alias {alias} not moved: {exc}")
            return f"Alias {alias} not moved: {exc}", None
        self.note(f"alias {alias} -> {candidate}")
        return f"Alias {alias} set to {candidate}.", None

    # -- bookkeeping ------------------------------------------------------------------------------

    def note(self, text: str) -> None:
        with self.log_path.open("a", encoding="utf-8") as sink:
            sink.write(f"steward: {text}\n")

    def _keep_going(self) -> bool:
        if self.cancelled.is_set():
            return False
        now = time.monotonic()
        if now - self._beat < HEARTBEAT_S:
            return True
        self._beat = now
        fields: dict[str, Any] = {}
        found = last_progress(self.log_path)
        if found is not None:
            fields["progress"], fields["message"] = found
        try:
            return self._update(**fields)
        except Exception:  # a database hiccup must not orphan the process; the lease decides later
            log.exception("retraining run %s: heartbeat failed", self.run.id)
            return True

    def _update(self, **fields: Any) -> bool:
        until = self.parts.clock() + timedelta(seconds=LEASE_S)
        with self.parts.store.write() as tx:
            return tx.retraining.update_running(self.run.id, self.token, until=until, **fields)

    def _finish(self, state: str, **fields: Any) -> RetrainRun:
        at = self.parts.clock()
        if fields.get("error"):
            self.note(f"{state}: {fields['error']}")
        with self.parts.store.write() as tx:
            if tx.retraining.finish(self.run.id, state, at=at, token=self.token, **fields):
                finished = tx.retraining.get_run(self.run.id)
                tx.audit.append(
                    AuditEvent(
                        "retrain.finish",
                        "model",
                        self.run.model,
                        self.acting,
                        at,
                        after=summary(finished),
                    )
                )
                return finished
            return tx.retraining.get_run(self.run.id)  # cancelled (or abandoned) meanwhile: that state stands


def summary(run: RetrainRun) -> dict[str, Any]:
    return {
        "run": run.id,
        "state": run.state,
        "trigger": run.trigger,
        "parent": run.parent,
        "candidate": run.candidate,
        "validation_run": run.validation_run,
        "validation_passed": run.validation_passed,
        "approval": run.approval,
        "outcome": run.outcome,
        "error": run.error,
    }


def last_progress(path: Path, tail: int = 65536) -> tuple[float, str] | None:
    """The last ``steward:progress`` line in the log's last *tail* bytes."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - tail))
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        found = parse_progress(line)
        if found is not None:
            return found
    return None


def log_tail(path: Path, lines: int) -> str:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 256 * 1024))
        text = handle.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])
