"""The SDK's HTTP side: the same registry methods and errors, against ``steward server``."""

from __future__ import annotations

import builtins
import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn
from urllib.parse import quote

import httpx

from steward.core.audit import AuditEvent
from steward.core.codec import (
    alias_event_from_dict,
    audit_from_dict,
    deployment_from_dict,
    draft_to_dict,
    killed_version_from_dict,
    model_from_dict,
    resolved_from_dict,
    version_from_dict,
)
from steward.core.deployment import (
    Deployment,
    DeploymentSpec,
    KilledVersion,
    ResolvedDeployment,
    check_deployment_name,
    check_kill_reason,
    check_revision,
)
from steward.core.errors import (
    IntegrityError,
    InvalidInputError,
    PermissionDeniedError,
    PolicyViolationError,
    StewardError,
    error_class_for,
)
from steward.core.lineage import Lineage
from steward.core.registry import (
    AliasEvent,
    ModelRef,
    ModelVersion,
    RegisteredModel,
    VersionDraft,
    check_alias,
    check_model_name,
)
from steward.core.search import Page
from steward.services.registry import LineageReport

API = "/api/v1"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: Validation runs the whole suite before it answers.
LONG_TIMEOUT = httpx.Timeout(None, connect=5.0)


def _raise_for(response: httpx.Response) -> NoReturn:
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
        details = error.get("details") or {}
    except (ValueError, KeyError, TypeError):
        raise StewardError(
            f"The control plane answered {response.status_code} {response.reason_phrase} "
            f"for {response.request.method} {response.request.url.path}."
        ) from None
    cls = error_class_for(code)
    if cls is PolicyViolationError:
        raise PolicyViolationError(message, details.get("unmet"))
    raise cls(message)


class _Http:
    def __init__(self, base_url: str, token: str | None, actor: str) -> None:
        headers = {"X-Steward-User": actor, "User-Agent": "steward-sdk"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT)

    def request(self, method: str, path: str, *, check: bool = True, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StewardError(
                f"Cannot reach the control plane at {self.base_url} ({exc}). "
                "Start it with `steward server`, or check STEWARD_URI."
            ) from None
        if check and response.status_code >= 400:
            _raise_for(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    def close(self) -> None:
        self.client.close()


def _name(name: str) -> str:
    return quote(check_model_name(name), safe="")


def _page(data: dict[str, Any], convert: Any) -> Page[Any]:
    return Page(items=[convert(item) for item in data["items"]], next_page_token=data.get("next_page_token"))


def _search_params(
    filter: str | None, order_by: list[str] | str | None, max_results: int, page_token: str | None
) -> dict[str, Any]:
    params: dict[str, Any] = {"max_results": max_results}
    if filter:
        params["filter"] = filter
    if order_by:
        params["order_by"] = [order_by] if isinstance(order_by, str) else list(order_by)
    if page_token:
        params["page_token"] = page_token
    return params


class HttpArtifactStore:
    """The control plane's artifact store, reached over HTTP; reads are verified here too."""

    def __init__(self, http: _Http) -> None:
        self.http = http
        self.url = f"{http.base_url}{API}/artifacts"

    def _path(self, digest: str) -> str:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidInputError(f"Invalid artifact digest {digest[:80]!r}: expected 64 hex digits.")
        return f"{API}/artifacts/{digest}"

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if len(data) < 65536 or not self.exists(digest):
            self.http.request("PUT", self._path(digest), content=data)
        return digest

    def put_stream(self, stream: BinaryIO) -> str:
        with tempfile.TemporaryFile() as spool:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                spool.write(chunk)
            spool.seek(0)
            return self._put_seekable(spool)

    def put_file(self, path: Path) -> str:
        with open(path, "rb") as handle:
            return self._put_seekable(handle)

    def _put_seekable(self, handle: BinaryIO) -> str:
        hasher = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
        digest = hasher.hexdigest()
        if not self.exists(digest):
            handle.seek(0)
            self.http.request("PUT", self._path(digest), content=iter(lambda: handle.read(1 << 20), b""))
        return digest

    def open_chunks(self, digest: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        hasher = hashlib.sha256()
        path = self._path(digest)
        try:
            with self.http.client.stream("GET", path) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                for chunk in response.iter_bytes(chunk_size):
                    hasher.update(chunk)
                    yield chunk
        except httpx.TransportError as exc:
            raise StewardError(f"Download of artifact {digest} failed: {exc}. Try again.") from None
        if hasher.hexdigest() != digest:
            raise IntegrityError(
                f"Artifact sha256:{digest[:12]}… arrived corrupt (it hashes to {hasher.hexdigest()[:12]}…)."
            )

    def get_bytes(self, digest: str) -> bytes:
        return b"".join(self.open_chunks(digest))

    def get_file(self, digest: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".steward-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.open_chunks(digest):
                    out.write(chunk)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, digest: str) -> bool:
        response = self.http.request("HEAD", self._path(digest), check=False)
        if response.status_code == 404:
            return False
        if response.status_code >= 400:
            _raise_for(response)
        return True

    def delete(self, digest: str) -> None:
        raise PermissionDeniedError("Artifacts cannot be deleted through the control plane.")


class RemoteRegistry:
    """The registry service's methods, as HTTP calls."""

    def __init__(self, base_url: str, *, token: str | None, actor: str) -> None:
        self.http = _Http(base_url, token, actor)
        self.artifacts = HttpArtifactStore(self.http)

    def close(self) -> None:
        self.http.close()

    def create_model(
        self,
        name: str,
        *,
        actor: str,
        description: str = "",
        owner: str | None = None,
        tags: dict[str, Any] | None = None,
    ) -> RegisteredModel:
        body = {"name": name, "description": description, "owner": owner, "tags": tags or {}}
        return model_from_dict(self.http.json("POST", f"{API}/models", json=body))

    def get_model(self, name: str) -> RegisteredModel:
        return model_from_dict(self.http.json("GET", f"{API}/models/{_name(name)}"))

    def update_model(
        self, name: str, *, actor: str, description: str | None = None, tags: dict[str, Any] | None = None
    ) -> RegisteredModel:
        body: dict[str, Any] = {}
        if description is not None:
            body["description"] = description
        if tags is not None:
            body["tags"] = tags
        return model_from_dict(self.http.json("PATCH", f"{API}/models/{_name(name)}", json=body))

    def search_models(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[RegisteredModel]:
        params = _search_params(filter, order_by, max_results, page_token)
        return _page(self.http.json("GET", f"{API}/models", params=params), model_from_dict)

    def register_version(self, draft: VersionDraft, *, actor: str) -> ModelVersion:
        body = draft_to_dict(draft.checked())
        del body["model"]
        data = self.http.json("POST", f"{API}/models/{_name(draft.model)}/versions", json=body)
        return version_from_dict(data)

    def get_version(self, ref: str | ModelRef) -> ModelVersion:
        parsed = ModelRef.parse(ref) if isinstance(ref, str) else ref
        name = _name(parsed.model)
        if parsed.alias is not None:
            path = f"{API}/models/{name}/aliases/{quote(parsed.alias, safe='')}"
        else:
            path = f"{API}/models/{name}/versions/{parsed.version or 'latest'}"
        return version_from_dict(self.http.json("GET", path))

    def search_versions(
        self,
        filter: str | None = None,
        *,
        order_by: list[str] | str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[ModelVersion]:
        params = _search_params(filter, order_by, max_results, page_token)
        return _page(self.http.json("GET", f"{API}/versions", params=params), version_from_dict)

    def lineage(self, ref: str | ModelRef) -> LineageReport:
        version = self.get_version(ref)
        data = self.http.json(
            "GET", f"{API}/models/{_name(version.model)}/versions/{version.version}/lineage"
        )
        return LineageReport(
            version=version_from_dict(data["version"]),
            lineage=Lineage.from_dict(data["lineage"]),
            ancestors=tuple(data["ancestors"]),
        )

    def _alias_path(self, model: str, alias: str) -> str:
        return f"{API}/models/{_name(model)}/aliases/{quote(check_alias(alias), safe='')}"

    def set_alias(
        self, model: str, alias: str, version: int | str, *, actor: str, reason: str = ""
    ) -> AliasEvent:
        from steward.core.registry import check_version_number

        body = {"version": check_version_number(version), "reason": reason}
        return alias_event_from_dict(self.http.json("PUT", self._alias_path(model, alias), json=body))

    def delete_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent:
        data = self.http.json("DELETE", self._alias_path(model, alias), params={"reason": reason})
        return alias_event_from_dict(data)

    def rollback_alias(self, model: str, alias: str, *, actor: str, reason: str = "") -> AliasEvent:
        path = f"{self._alias_path(model, alias)}/rollback"
        return alias_event_from_dict(self.http.json("POST", path, json={"reason": reason}))

    def alias_history(self, model: str, alias: str | None = None) -> list[AliasEvent]:
        params = {"alias": check_alias(alias)} if alias is not None else {}
        data = self.http.json("GET", f"{API}/models/{_name(model)}/alias-history", params=params)
        return [alias_event_from_dict(item) for item in data["items"]]

    def alias_at(self, model: str, alias: str, at: datetime) -> int | None:
        data = self.http.json("GET", f"{self._alias_path(model, alias)}/at", params={"time": at.isoformat()})
        version = data["version"]
        return int(version) if version is not None else None

    def audit_events(
        self,
        *,
        target: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> Page[AuditEvent]:
        params: dict[str, Any] = {"max_results": max_results}
        for key, value in (("target", target), ("action", action), ("page_token", page_token)):
            if value:
                params[key] = value
        if since:
            params["since"] = since.isoformat()
        if until:
            params["until"] = until.isoformat()
        return _page(self.http.json("GET", f"{API}/audit", params=params), audit_from_dict)


class RemoteDeployments:
    """The deployment service's methods, as HTTP calls (the actor travels in the client's header)."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def _path(self, name: str, suffix: str = "") -> str:
        return f"{API}/deployments/{quote(check_deployment_name(name), safe='')}{suffix}"

    def create(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment:
        body = {"name": check_deployment_name(name), "spec": spec.checked().to_dict(), "reason": reason}
        return deployment_from_dict(self.http.json("POST", f"{API}/deployments", json=body))

    def update(self, name: str, spec: DeploymentSpec, *, actor: str, reason: str = "") -> Deployment:
        body = {"spec": spec.checked().to_dict(), "reason": reason}
        return deployment_from_dict(self.http.json("PUT", self._path(name), json=body))

    def get(self, name: str, revision: int | None = None) -> Deployment:
        params = {} if revision is None else {"revision": check_revision(revision)}
        return deployment_from_dict(self.http.json("GET", self._path(name), params=params))

    def history(self, name: str) -> list[Deployment]:
        data = self.http.json("GET", self._path(name, "/history"))
        return [deployment_from_dict(item) for item in data["items"]]

    def list(self) -> list[Deployment]:
        data = self.http.json("GET", f"{API}/deployments")
        return [deployment_from_dict(item) for item in data["items"]]

    def rollback(self, name: str, *, actor: str, reason: str = "") -> Deployment:
        data = self.http.json("POST", self._path(name, "/rollback"), json={"reason": reason})
        return deployment_from_dict(data)

    def promote(self, name: str, ref: str, *, actor: str, reason: str = "") -> Deployment:
        data = self.http.json("POST", self._path(name, "/promote"), json={"ref": ref, "reason": reason})
        return deployment_from_dict(data)

    def kill(self, name: str, *, actor: str, reason: str) -> Deployment:
        data = self.http.json("POST", self._path(name, "/kill"), json={"reason": check_kill_reason(reason)})
        return deployment_from_dict(data)

    def revive(self, name: str, *, actor: str, reason: str) -> Deployment:
        data = self.http.json("POST", self._path(name, "/revive"), json={"reason": check_kill_reason(reason)})
        return deployment_from_dict(data)

    def kill_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion:
        body = {"ref": ref, "reason": check_kill_reason(reason)}
        return killed_version_from_dict(self.http.json("POST", f"{API}/kill-switch/versions", json=body))

    def revive_version(self, ref: str, *, actor: str, reason: str) -> KilledVersion:
        body = {"ref": ref, "reason": check_kill_reason(reason)}
        data = self.http.json("POST", f"{API}/kill-switch/versions/revive", json=body)
        return killed_version_from_dict(data)

    def killed_versions(self) -> builtins.list[KilledVersion]:
        data = self.http.json("GET", f"{API}/kill-switch/versions")
        return [killed_version_from_dict(item) for item in data["items"]]

    def resolve(self, name: str) -> ResolvedDeployment:
        return resolved_from_dict(self.http.json("GET", self._path(name, "/resolved")))
