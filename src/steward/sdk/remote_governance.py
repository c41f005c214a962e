"""The governance services' methods as HTTP calls (the token travels in the client's header)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from steward.core.approval import ApprovalRequest
from steward.core.audit import AuditEvent, ChainReport
from steward.core.codec import alias_event_from_dict, audit_from_dict
from steward.core.errors import StewardError
from steward.core.finding import Finding, finding_from_dict
from steward.core.governance_codec import (
    alias_at_from_dict,
    approval_from_dict,
    chain_report_from_dict,
    check_from_dict,
    deployment_at_from_dict,
    policy_from_dict,
    principal_from_dict,
    token_from_dict,
)
from steward.core.history import AliasAt, DeploymentAt
from steward.core.identity import IssuedToken, Principal, TokenInfo
from steward.core.policy import Policy, PolicyCheck
from steward.core.registry import AliasEvent
from steward.sdk.remote import API, _Http, _raise_for


def _q(text: str) -> str:
    return quote(text, safe="")


class RemoteIdentities:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def create_user(
        self, name: str, *, actor: str, kind: str = "user", role: str | None = None, model: str | None = None
    ) -> Principal:
        body = {"name": name, "kind": kind, "role": role, "model": model}
        return principal_from_dict(self.http.json("POST", f"{API}/users", json=body))

    def list_users(self) -> list[Principal]:
        return [principal_from_dict(p) for p in self.http.json("GET", f"{API}/users")["items"]]

    def grant(self, name: str, role: str, *, actor: str, model: str | None = None) -> Principal:
        data = self.http.json("POST", f"{API}/users/{_q(name)}/grants", json={"role": role, "model": model})
        return principal_from_dict(data)

    def revoke(self, name: str, role: str, *, actor: str, model: str | None = None) -> Principal:
        path = f"{API}/users/{_q(name)}/grants/revoke"
        return principal_from_dict(self.http.json("POST", path, json={"role": role, "model": model}))

    def create_token(
        self, principal: str, *, actor: str, name: str = "", expires_in_days: int | None = 90
    ) -> IssuedToken:
        body = {"principal": principal, "name": name, "expires_in_days": expires_in_days}
        data = self.http.json("POST", f"{API}/tokens", json=body)
        return IssuedToken(token_from_dict(data), data["token"])

    def list_tokens(self, *, actor: str, principal: str | None = None) -> builtins.list[TokenInfo]:
        params = {"principal": principal} if principal else {}
        return [token_from_dict(t) for t in self.http.json("GET", f"{API}/tokens", params=params)["items"]]

    def revoke_token(self, token_id: int, *, actor: str) -> TokenInfo:
        return token_from_dict(self.http.json("DELETE", f"{API}/tokens/{int(token_id)}"))


class RemoteApprovals:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def request(self, ref: str, target: str, *, actor: str, reason: str = "") -> ApprovalRequest:
        body = {"ref": ref, "target": target, "reason": reason}
        return approval_from_dict(self.http.json("POST", f"{API}/approvals", json=body))

    def decide(self, request_id: int, decision: str, *, actor: str, comment: str = "") -> ApprovalRequest:
        path = f"{API}/approvals/{int(request_id)}/decisions"
        return approval_from_dict(
            self.http.json("POST", path, json={"decision": decision, "comment": comment})
        )

    def list(
        self, *, model: str | None = None, version: int | None = None, target: str | None = None
    ) -> builtins.list[ApprovalRequest]:
        params = {
            k: v for k, v in (("model", model), ("version", version), ("target", target)) if v is not None
        }
        return [
            approval_from_dict(a) for a in self.http.json("GET", f"{API}/approvals", params=params)["items"]
        ]


class RemotePolicies:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def publish(self, source: str, *, actor: str) -> Policy:
        return policy_from_dict(self.http.json("POST", f"{API}/policies", json={"source": source}))

    def list(self) -> builtins.list[Policy]:
        return [policy_from_dict(p) for p in self.http.json("GET", f"{API}/policies")["items"]]

    def get(self, name: str, version: int | None = None) -> Policy:
        params = {"version": version} if version is not None else {}
        return policy_from_dict(self.http.json("GET", f"{API}/policies/{_q(name)}", params=params))

    def check(self, ref: str, alias: str) -> PolicyCheck:
        params = {"ref": ref, "alias": alias}
        return check_from_dict(self.http.json("GET", f"{API}/policies/check", params=params))

    def override(
        self, model: str, alias: str, version: int | str | None, *, actor: str, reason: str
    ) -> AliasEvent:
        body = {
            "model": model,
            "alias": alias,
            "version": version,
            "reason": reason,
            "delete": version is None,
        }
        return alias_event_from_dict(self.http.json("POST", f"{API}/policies/override", json=body))


class RemoteFindings:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def open(self, ref: str, *, title: str, severity: str, description: str = "", actor: str) -> Finding:
        body = {"ref": ref, "title": title, "severity": severity, "description": description}
        return finding_from_dict(self.http.json("POST", f"{API}/findings", json=body))

    def close(self, finding_id: int, *, resolution: str, actor: str) -> Finding:
        path = f"{API}/findings/{int(finding_id)}/close"
        return finding_from_dict(self.http.json("POST", path, json={"resolution": resolution}))

    def get(self, finding_id: int) -> Finding:
        return finding_from_dict(self.http.json("GET", f"{API}/findings/{int(finding_id)}"))

    def list(self, ref: str | None = None, *, status: str | None = None) -> builtins.list[Finding]:
        params = {k: v for k, v in (("ref", ref), ("status", status)) if v is not None}
        return [
            finding_from_dict(f) for f in self.http.json("GET", f"{API}/findings", params=params)["items"]
        ]


class RemoteAudit:
    def __init__(self, http: _Http) -> None:
        self.http = http

    def verify(self, *, from_seq: int | None = None, expected_hash: str | None = None) -> ChainReport:
        params = {k: v for k, v in (("from_seq", from_seq), ("hash", expected_hash)) if v is not None}
        return chain_report_from_dict(self.http.json("GET", f"{API}/audit/verify", params=params))

    def export(self, *, since: datetime | None = None, until: datetime | None = None) -> Iterator[AuditEvent]:
        """The events as the server streams them, one line at a time (memory stays constant)."""
        params: dict[str, Any] = {"format": "jsonl"}
        if since is not None:
            params["since"] = since.isoformat()
        if until is not None:
            params["until"] = until.isoformat()
        try:
            with self.http.client.stream("GET", f"{API}/audit/export", params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield audit_from_dict(json.loads(line))
        except httpx.TransportError as exc:
            raise StewardError(f"The audit export was cut off: {exc}. Try again.") from None

    def alias_at(self, model: str, alias: str, at: datetime) -> AliasAt:
        params = {"ref": f"{model}@{alias}", "time": at.isoformat()}
        return alias_at_from_dict(self.http.json("GET", f"{API}/audit/at", params=params))

    def deployment_at(self, name: str, at: datetime) -> DeploymentAt:
        params = {"deployment": name, "time": at.isoformat()}
        return deployment_at_from_dict(self.http.json("GET", f"{API}/audit/at", params=params))


class RemoteGovernance:
    def __init__(self, http: _Http) -> None:
        self.identities = RemoteIdentities(http)
        self.approvals = RemoteApprovals(http)
        self.policies = RemotePolicies(http)
        self.audit = RemoteAudit(http)
        self.findings = RemoteFindings(http)
