"""The validation and explanation services over HTTP: per-version analyses of uploaded data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from steward.core.errors import InvalidInputError
from steward.core.explain import ExplainRequest, Explanation, check_kind, explanation_from_dict
from steward.core.registry import ModelRef
from steward.core.validation.results import ValidationRun
from steward.core.validation.suites import Suite
from steward.sdk.remote import API, LONG_TIMEOUT, RemoteRegistry, _name


class RemoteExplanations:
    """The explanation service's methods, as HTTP calls; the data travels as a JSON table."""

    def __init__(self, registry: RemoteRegistry) -> None:
        self.registry = registry
        self.http = registry.http

    def _path(self, ref: str | ModelRef, suffix: str = "") -> str:
        version = self.registry.get_version(ref)
        return f"{API}/models/{_name(version.model)}/versions/{version.version}/explanations{suffix}"

    def explain(
        self,
        ref: str | ModelRef,
        data: Any,
        request: ExplainRequest,
        *,
        actor: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> Explanation:
        import json

        from steward.services.explain import as_frame

        frame = as_frame(data)
        table = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
        body = {"data": {"columns": table["columns"], "data": table["data"]}, **request.checked().to_dict()}
        return explanation_from_dict(self.http.json("POST", self._path(ref), json=body))

    def get(self, ref: str | ModelRef, explanation_id: int) -> Explanation:
        if isinstance(explanation_id, bool) or not isinstance(explanation_id, int) or explanation_id < 1:
            raise InvalidInputError(f"An explanation id is a whole number from 1, not {explanation_id!r}.")
        return explanation_from_dict(self.http.json("GET", self._path(ref, f"/{explanation_id}")))

    def list(self, ref: str | ModelRef, kind: str | None = None) -> list[Explanation]:
        params = {} if kind is None else {"kind": check_kind(kind)}
        data = self.http.json("GET", self._path(ref), params=params)
        return [explanation_from_dict(item) for item in data["items"]]


class RemoteValidations:
    """The validation service's methods, as HTTP calls; the data travels as a Parquet artifact."""

    def __init__(self, registry: RemoteRegistry) -> None:
        self.registry = registry
        self.http = registry.http

    def _path(self, ref: str | ModelRef | None, suffix: str = "") -> str:
        if ref is None:
            raise InvalidInputError("Name the version a validation run belongs to (e.g. 'churn/3').")
        version = self.registry.get_version(ref)
        return f"{API}/models/{_name(version.model)}/versions/{version.version}/validations{suffix}"

    def validate(
        self,
        ref: str | ModelRef,
        data: Any,
        target: str,
        *,
        actor: str,
        suite: Suite | None = None,
        against: str | None = "champion",
        sensitive: Sequence[str] = (),
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ValidationRun:
        import io

        path = self._path(ref)
        buffer = io.BytesIO()
        try:
            data.to_parquet(buffer, index=False)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(
                f"The data cannot be sent as Parquet: {' '.join(str(exc).split())[:200]}"
            ) from None
        digest = self.registry.artifacts.put_bytes(buffer.getvalue())
        body = {
            "data": {"artifact": digest, "format": "parquet"},
            "target": target,
            "suite": None if suite is None else suite.to_dict(),
            "against": against,
            "sensitive": list(sensitive),
        }
        return ValidationRun.from_dict(self.http.json("POST", path, json=body, timeout=LONG_TIMEOUT))

    def get_run(self, run_id: int, ref: str | ModelRef | None = None) -> ValidationRun:
        if isinstance(run_id, bool) or not isinstance(run_id, int) or run_id < 1:
            raise InvalidInputError(f"A validation run id is a whole number from 1, not {run_id!r}.")
        return ValidationRun.from_dict(self.http.json("GET", self._path(ref, f"/{run_id}")))

    def list_runs(self, ref: str | ModelRef, *, limit: int = 100) -> list[ValidationRun]:
        data = self.http.json("GET", self._path(ref), params={"limit": limit})
        return [ValidationRun.from_dict(item) for item in data["items"]]

    def report_html(self, run_id: int, ref: str | ModelRef | None = None) -> str:
        self.get_run(run_id, ref)  # the same errors as embedded, before fetching the page
        return self.http.request("GET", self._path(ref, f"/{run_id}/report")).text

    def latest_passed(self, ref: str | ModelRef, checks: Sequence[str] = ()) -> ValidationRun | None:
        from steward.services.validation import first_passed

        return first_passed(self.list_runs(ref), checks)
