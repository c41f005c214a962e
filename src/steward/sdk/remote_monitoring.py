"""The monitoring and alerting methods as HTTP calls to a control plane (tables travel as Parquet)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from steward.core.alerts import Alert, AlertRule
from steward.core.deployment import check_deployment_name
from steward.core.errors import InvalidInputError
from steward.core.windows import Figure, LabelSummary, ReferenceInfo, RunSummary
from steward.sdk.remote import API, _Http

if TYPE_CHECKING:
    from steward.services.monitoring import Progress

PARQUET = {"Content-Type": "application/vnd.apache.parquet"}


def parquet_bytes(data: Any, what: str) -> bytes:
    """*data* (pandas, polars, pyarrow, dict of columns) as a Parquet file's bytes."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(data, pd.DataFrame):
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, pa.Table):
        table = data
    elif hasattr(data, "to_arrow"):
        table = data.to_arrow()
    elif isinstance(data, dict):
        table = pa.Table.from_pandas(pd.DataFrame(data), preserve_index=False)
    else:
        raise InvalidInputError(
            f"{what} must be a table (pandas, polars or pyarrow), got {type(data).__name__}."
        )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


class RemoteMonitoring:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def _path(self, deployment: str, suffix: str = "") -> str:
        return f"{API}/deployments/{quote(check_deployment_name(deployment), safe='')}/monitoring{suffix}"

    def set_reference(
        self,
        ref: str,
        data: Any,
        *,
        actor: str,
        labels: Any = None,
        task: str | None = None,
        importance: Mapping[str, float] | None = None,
    ) -> ReferenceInfo:
        params: dict[str, Any] = {"ref": ref}
        if labels is not None:
            if not isinstance(labels, str):
                import pandas as pd

                frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
                data, labels = frame.assign(__label__=list(labels)), "__label__"
            params["labels"] = labels
        if task is not None:
            params["task"] = task
        if importance is not None:
            params["importance"] = json.dumps(dict(importance))
        body = parquet_bytes(data, "The reference data")
        found = self.http.json(
            "PUT", f"{API}/monitoring/references", params=params, content=body, headers=PARQUET
        )
        return ReferenceInfo.from_dict(found)

    def get_reference(self, ref: str) -> ReferenceInfo:
        return ReferenceInfo.from_dict(
            self.http.json("GET", f"{API}/monitoring/references", params={"ref": ref})
        )

    def configure(
        self, deployment: str, *, actor: str, window: str = "hour", drift: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        body = {"window": window, "drift": dict(drift or {})}
        found: dict[str, Any] = self.http.json("PUT", self._path(deployment), json=body)
        return found

    def run(
        self,
        deployment: str,
        *,
        actor: str,
        progress: Progress | None = None,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> RunSummary:
        if ray_address is not None:
            raise InvalidInputError(
                "ray_address is for embedded clients; a control plane runs engine='ray' on its own Ray."
            )
        params = {"engine": engine}
        return RunSummary.from_dict(self.http.json("POST", self._path(deployment, "/run"), params=params))

    def labels(self, deployment: str, data: Any, *, actor: str, label_column: str = "label") -> LabelSummary:
        body = parquet_bytes(data, "The labels")
        found = self.http.json(
            "POST", self._path(deployment, "/labels"), params={"label_column": label_column},
            content=body, headers=PARQUET,
        )  # fmt: skip
        return LabelSummary.from_dict(found)

    def figures(
        self,
        deployment: str,
        *,
        name: str | None = None,
        version: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[Figure]:
        params: dict[str, Any] = {"limit": limit}
        for key, value in (("name", name), ("version", version)):
            if value:
                params[key] = value
        for key, when in (("since", since), ("until", until)):
            if when is not None:
                params[key] = when.isoformat()
        data = self.http.json("GET", self._path(deployment, "/figures"), params=params)
        return [Figure.from_dict(item) for item in data["items"]]

    def report(self, deployment: str, window: str, html: bool) -> dict[str, Any] | str:
        params = {"window": window, "format": "html" if html else "json"}
        response = self.http.request("GET", self._path(deployment, "/report"), params=params)
        if html:
            return response.text
        found: dict[str, Any] = response.json()
        return found

    def put_rule(self, rule: AlertRule, *, actor: str) -> AlertRule:
        body = rule.checked().to_dict()
        name = body.pop("name")
        return AlertRule.from_dict(
            self.http.json("PUT", f"{API}/monitoring/alert-rules/{quote(name)}", json=body)
        )

    def get_rule(self, name: str) -> AlertRule:
        return AlertRule.from_dict(
            self.http.json("GET", f"{API}/monitoring/alert-rules/{quote(name, safe='')}")
        )

    def delete_rule(self, name: str, *, actor: str) -> AlertRule:
        return AlertRule.from_dict(
            self.http.json("DELETE", f"{API}/monitoring/alert-rules/{quote(name, safe='')}")
        )

    def list_rules(self) -> list[AlertRule]:
        return [
            AlertRule.from_dict(r) for r in self.http.json("GET", f"{API}/monitoring/alert-rules")["items"]
        ]

    def list_alerts(
        self, *, status: str | None = None, deployment: str | None = None, limit: int = 100
    ) -> list[Alert]:
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if deployment:
            params["deployment"] = deployment
        return [
            Alert.from_dict(a)
            for a in self.http.json("GET", f"{API}/monitoring/alerts", params=params)["items"]
        ]
