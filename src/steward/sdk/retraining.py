"""The client's retraining methods, the same embedded and over HTTP (:class:`RemoteRetraining`).

Embedded, ``run_retraining(..., wait=True)`` executes the run in this process;
against a control plane, the server's retraining thread executes it and the
client polls until it has finished.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from steward.core.registry import check_model_name
from steward.core.retrain_runs import RetrainRun
from steward.core.retraining import ConfiguredRetraining, RetrainConfig, check_run_id

if TYPE_CHECKING:
    from steward.app import Steward
    from steward.sdk.remote import _Http


class Retraining(Protocol):
    def configure(self, config: RetrainConfig, *, actor: str) -> ConfiguredRetraining: ...
    def get_config(self, model: str) -> ConfiguredRetraining: ...
    def configs(self) -> list[ConfiguredRetraining]: ...
    def remove_config(self, model: str, *, actor: str) -> ConfiguredRetraining: ...
    def start(self, model: str, *, actor: str, reason: str, params: dict[str, Any] | None) -> RetrainRun: ...
    def execute(self, run: RetrainRun, timeout: float) -> RetrainRun: ...
    def runs(self, model: str | None, limit: int) -> list[RetrainRun]: ...
    def get_run(self, run_id: int) -> RetrainRun: ...
    def cancel(self, run_id: int, *, actor: str, reason: str) -> RetrainRun: ...
    def logs(self, run_id: int, tail: int) -> str: ...


class EmbeddedRetraining:
    def __init__(self, app: Steward) -> None:
        self.app = app

    def configure(self, config: RetrainConfig, *, actor: str) -> ConfiguredRetraining:
        return self.app.retraining.configure(config, actor=actor)

    def get_config(self, model: str) -> ConfiguredRetraining:
        return self.app.retraining.get_config(model)

    def configs(self) -> list[ConfiguredRetraining]:
        return self.app.retraining.configs()

    def remove_config(self, model: str, *, actor: str) -> ConfiguredRetraining:
        return self.app.retraining.remove_config(model, actor=actor)

    def start(self, model: str, *, actor: str, reason: str, params: dict[str, Any] | None) -> RetrainRun:
        return self.app.retraining.start(model, actor=actor, reason=reason, params=params)

    def execute(self, run: RetrainRun, timeout: float) -> RetrainRun:
        """Embedded: nobody else runs it, so run it here (a control plane may have taken it already)."""
        done = self.app.retraining.run_next(run.id)
        return done if done is not None else self.app.retraining.wait(run.id, timeout=timeout)

    def runs(self, model: str | None, limit: int) -> list[RetrainRun]:
        return self.app.retraining.runs(model, limit=limit)

    def get_run(self, run_id: int) -> RetrainRun:
        return self.app.retraining.get_run(run_id)

    def cancel(self, run_id: int, *, actor: str, reason: str) -> RetrainRun:
        return self.app.retraining.cancel(run_id, actor=actor, reason=reason)

    def logs(self, run_id: int, tail: int) -> str:
        return self.app.retraining.logs(run_id, tail=tail)


class RemoteRetraining:
    """The same over HTTP; input is checked here first, so a bad call fails before any request."""

    RUNS = "/api/v1/retraining/runs"

    def __init__(self, http: _Http) -> None:
        self.http = http

    @staticmethod
    def _config_path(model: str) -> str:
        return f"/api/v1/models/{check_model_name(model)}/retraining"

    def configure(self, config: RetrainConfig, *, actor: str) -> ConfiguredRetraining:
        checked = config.checked()
        body = {k: v for k, v in checked.to_dict().items() if k != "model"}  # the model is in the path
        data = self.http.json("PUT", self._config_path(checked.model), json=body)
        return ConfiguredRetraining.from_dict(data)

    def get_config(self, model: str) -> ConfiguredRetraining:
        return ConfiguredRetraining.from_dict(self.http.json("GET", self._config_path(model)))

    def configs(self) -> list[ConfiguredRetraining]:
        items = self.http.json("GET", "/api/v1/retraining/configs")["items"]
        return [ConfiguredRetraining.from_dict(item) for item in items]

    def remove_config(self, model: str, *, actor: str) -> ConfiguredRetraining:
        return ConfiguredRetraining.from_dict(self.http.json("DELETE", self._config_path(model)))

    def start(self, model: str, *, actor: str, reason: str, params: dict[str, Any] | None) -> RetrainRun:
        body = {"reason": reason, "params": params or {}}
        return RetrainRun.from_dict(self.http.json("POST", f"{self._config_path(model)}/runs", json=body))

    def execute(self, run: RetrainRun, timeout: float) -> RetrainRun:
        """The control plane's retraining thread runs it; poll until it has finished."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.get_run(run.id)
            if found.finished or time.monotonic() >= deadline:
                return found
            time.sleep(0.5)

    def runs(self, model: str | None, limit: int) -> list[RetrainRun]:
        params: dict[str, Any] = {"limit": limit}
        if model is not None:
            params["model"] = check_model_name(model)
        return [RetrainRun.from_dict(r) for r in self.http.json("GET", self.RUNS, params=params)["items"]]

    def get_run(self, run_id: int) -> RetrainRun:
        return RetrainRun.from_dict(self.http.json("GET", f"{self.RUNS}/{check_run_id(run_id)}"))

    def cancel(self, run_id: int, *, actor: str, reason: str) -> RetrainRun:
        path = f"{self.RUNS}/{check_run_id(run_id)}/cancel"
        return RetrainRun.from_dict(self.http.json("POST", path, json={"reason": reason}))

    def logs(self, run_id: int, tail: int) -> str:
        path = f"{self.RUNS}/{check_run_id(run_id)}/logs"
        return str(self.http.json("GET", path, params={"tail": tail})["log"])


class RetrainingMethods:
    """Mixed into :class:`~steward.Client`: ``self._retraining`` is embedded or remote."""

    _retraining: Retraining
    actor: str

    def configure_retraining(self, config: RetrainConfig | dict[str, Any]) -> ConfiguredRetraining:
        """Declare how *config.model* is retrained (entry point, data, label, triggers, what after)."""
        checked = RetrainConfig.from_dict(config) if isinstance(config, dict) else config.checked()
        return self._retraining.configure(checked, actor=self.actor)

    def retraining_config(self, model: str) -> ConfiguredRetraining:
        return self._retraining.get_config(model)

    def retraining_configs(self) -> list[ConfiguredRetraining]:
        return self._retraining.configs()

    def remove_retraining(self, model: str) -> ConfiguredRetraining:
        return self._retraining.remove_config(model, actor=self.actor)

    def run_retraining(
        self,
        model: str,
        *,
        reason: str = "",
        params: dict[str, Any] | None = None,
        wait: bool = False,
        timeout: float = 3600.0,
    ) -> RetrainRun:
        """Queue a manual run; with *wait*, return it finished (embedded: executed in this process)."""
        run = self._retraining.start(model, actor=self.actor, reason=reason, params=params)
        return self._retraining.execute(run, timeout) if wait else run

    def retraining_runs(self, model: str | None = None, *, limit: int = 100) -> list[RetrainRun]:
        return self._retraining.runs(model, limit)

    def retraining_run(self, run_id: int) -> RetrainRun:
        return self._retraining.get_run(run_id)

    def cancel_retraining(self, run_id: int, *, reason: str = "") -> RetrainRun:
        return self._retraining.cancel(run_id, actor=self.actor, reason=reason)

    def retraining_logs(self, run_id: int, *, tail: int = 200) -> str:
        return self._retraining.logs(run_id, tail)
