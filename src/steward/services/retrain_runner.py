"""Launching a retraining run's entry point: a local process group, or a Ray task.

The launcher runs the entry point, keeps its output in the run's log file and
calls ``keep_going()`` about every quarter second; when that returns False
(the run was cancelled) or the timeout passes, the process is killed: its whole
process group, SIGTERM then SIGKILL. What the entry point saved is left in the
run's ``output`` folder (:mod:`steward.services.retrain_worker`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.core.errors import require_extra
from steward.core.retraining import command_argv, is_function

log = logging.getLogger("steward.retraining")

POLL_S = 0.25
KILL_GRACE_S = 5.0


@dataclass(frozen=True)
class Execution:
    """How the entry point's process ended."""

    exit_code: int | None
    cancelled: bool = False
    timed_out: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.cancelled and not self.timed_out and not self.error


def spec_env(spec: dict[str, Any]) -> dict[str, str]:
    """The environment of the entry point's process: the spec for commands, and this Steward importable."""
    env = dict(os.environ)
    source = str(Path(__file__).resolve().parents[2])  # the folder that holds this steward package
    workdir = _workdir(spec) or os.getcwd()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, workdir, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(
        {
            "STEWARD_RUN_ID": str(spec["run_id"]),
            "STEWARD_DATA": str(spec["data"]),
            "STEWARD_TARGET": str(spec["target"]),
            "STEWARD_PARENT": str(spec.get("parent") or ""),
            "STEWARD_PARAMS": json.dumps(spec.get("params") or {}),
            "STEWARD_OUTPUT": str(spec["output"]),
        }
    )
    return env


def _workdir(spec: dict[str, Any]) -> str | None:
    """Where the run was started (entry points import and read relative paths from there), if here."""
    found = spec.get("cwd")
    return str(found) if found and Path(str(found)).is_dir() else None


def entry_argv(spec: dict[str, Any], spec_path: Path) -> list[str]:
    entry = str(spec["entry"])
    if is_function(entry):
        return [sys.executable, "-m", "steward.services.retrain_worker", str(spec_path)]
    return command_argv(entry)


def run_local(
    spec: dict[str, Any], folder: Path, log_path: Path, *, timeout: float, keep_going: Callable[[], bool]
) -> Execution:
    """Run the entry point as a process group of its own, its output appended to *log_path*."""
    spec_path = folder / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    with log_path.open("ab") as sink:
        try:
            process = subprocess.Popen(
                entry_argv(spec, spec_path),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=spec_env(spec),
                cwd=_workdir(spec),
                start_new_session=True,
            )
        except OSError as exc:
            return Execution(None, error=f"Cannot start {spec['entry']!r}: {exc.strerror or exc}.")
        try:
            return _supervise(process, timeout, keep_going)
        except BaseException:  # whatever stops the supervisor (an interrupt, a bug) stops the process too
            kill_group(process)
            raise


def _supervise(process: subprocess.Popen[bytes], timeout: float, keep_going: Callable[[], bool]) -> Execution:
    deadline = time.monotonic() + timeout
    while True:
        try:
            code = process.wait(POLL_S)
            return Execution(code, error="" if code == 0 else f"The entry point exited with code {code}.")
        except subprocess.TimeoutExpired:
            pass
        if not keep_going():
            kill_group(process)
            return Execution(process.returncode, cancelled=True, error="Cancelled.")
        if time.monotonic() > deadline:
            kill_group(process)
            return Execution(
                process.returncode,
                timed_out=True,
                error=f"Timed out after {timeout:g} s; the process was killed.",
            )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after a grace period."""
    for sig, grace in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 30.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # children that outlived their leader
            return
        except subprocess.TimeoutExpired:
            continue


def run_ray(
    spec: dict[str, Any], folder: Path, log_path: Path, *, timeout: float, keep_going: Callable[[], bool]
) -> Execution:
    """Run the entry point as a Ray task (on the cluster Ray is connected to, or a local one started now);
    its log and output folder come back when it ends."""
    require_extra("ray", "ray", "Retraining with --engine ray")
    import ray

    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    task = ray.remote(num_cpus=1, max_retries=0)(ray_task)
    ref = task.remote(spec)
    deadline = time.monotonic() + timeout
    while True:
        done, _ = ray.wait([ref], timeout=POLL_S)
        if done:
            break
        if not keep_going() or time.monotonic() > deadline:
            ray.cancel(ref, force=True)
            cancelled = time.monotonic() <= deadline
            with log_path.open("a", encoding="utf-8") as sink:
                sink.write("steward: the Ray task was cancelled\n" if cancelled else "steward: timed out\n")
            if cancelled:
                return Execution(None, cancelled=True, error="Cancelled.")
            return Execution(
                None, timed_out=True, error=f"Timed out after {timeout:g} s; the Ray task was cancelled."
            )
    try:
        result = ray.get(ref)
    except Exception as exc:  # a Ray failure (worker died, node lost) is the run's failure, reported as such
        return Execution(None, error=f"The Ray task failed: {type(exc).__name__}: {str(exc)[:500]}")
    with log_path.open("a", encoding="utf-8") as sink:
        sink.write(result["log"])
    output = Path(spec["output"])
    for name, data in result["files"].items():
        path = (output / name).resolve()
        if output.resolve() not in path.parents:
            continue  # nothing is written outside the run's output folder
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
    code = int(result["code"])
    return Execution(code, error="" if code == 0 else f"The entry point exited with code {code}.")


def ray_task(spec: dict[str, Any]) -> dict[str, Any]:
    """On a Ray worker: the same process as a local run, in a temporary folder; its log and files back."""
    with tempfile.TemporaryDirectory(prefix="steward-retrain-") as tmp:
        folder = Path(tmp)
        (folder / "output").mkdir()
        remote_spec = {**spec, "output": str(folder / "output")}
        spec_path = folder / "spec.json"
        spec_path.write_text(json.dumps(remote_spec), encoding="utf-8")
        done = subprocess.run(
            entry_argv(remote_spec, spec_path),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=spec_env(remote_spec),
            cwd=_workdir(remote_spec),
            check=False,
        )
        files = {
            str(p.relative_to(folder / "output")): base64.b64encode(p.read_bytes()).decode()
            for p in (folder / "output").rglob("*")
            if p.is_file()
        }
        return {"code": done.returncode, "log": done.stdout.decode(errors="replace"), "files": files}
