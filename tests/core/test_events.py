"""The event stream's rules: every audit action has a public type, the body is stable, inputs are checked."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from steward.core.approval import Decision
from steward.core.audit import AuditEvent
from steward.core.card import CardAction
from steward.core.errors import InvalidInputError
from steward.core.events import (
    ACTION_TYPES,
    EVENT_TYPES,
    Event,
    check_patterns,
    event_from_body,
    event_type,
    matches,
    parse_event_id,
)
from steward.core.webhooks import backoff, check_url, delivery_id

SRC = Path(__file__).parents[2] / "src" / "steward"
#: Functions that take an audit action as their first argument (or ``action=``).
AUDIT_CALLS = {"AuditEvent", "_event", "_version_event", "_audit", "_change", "audit_event"}


def _literal_actions(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literal_actions(node.body) | _literal_actions(node.orelse)
    if isinstance(node, ast.JoinedStr):  # f"card.{move.value}", f"approval.{choice.value}"
        prefix = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        enum = {"card.": CardAction, "approval.": Decision}[prefix]
        return {prefix + member.value for member in enum}
    return set()


def audited_actions() -> set[str]:
    """Every audit action the source writes, read from the calls that write them."""
    found: set[str] = set()
    for path in (SRC / "services").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):  # action = "alert.fire" ... AuditEvent(action, ...)
                found |= {a for a in _literal_actions(node.value) if "." in a}
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in AUDIT_CALLS:
                continue
            args = [kw.value for kw in node.keywords if kw.arg == "action"]
            if (name == "_audit" and len(node.args) > 1) or (name == "_change" and len(node.args) > 1):
                args.append(node.args[1])
            elif node.args:
                args.append(node.args[0])
            for arg in args:
                found |= {a for a in _literal_actions(arg) if "." in a}
    return found


def test_every_audit_action_in_the_source_has_an_event_type() -> None:
    actions = audited_actions()
    assert {"version.register", "alias.set", "deployment.promote", "alert.fire", "version.kill"} <= actions
    assert {
        "rollout.start",
        "rollout.step",
        "rollout.promote",
        "rollout.rollback",
        "rollout.abort",
    } <= actions
    assert len(actions) >= 40
    assert sorted(actions - set(ACTION_TYPES)) == []


def test_the_types_the_issue_names_exist() -> None:
    for wanted in (
        "version.registered",
        "validation.finished",
        "approval.requested",
        "approval.decided",
        "alias.moved",
        "deployment.changed",
        "alert.fired",
        "alert.resolved",
        "kill_switch.engaged",
    ):
        assert wanted in EVENT_TYPES
    assert event_type("something.new") == "something.new"  # a newer feature's action is not dropped


def test_the_body_is_stable_and_round_trips() -> None:
    at = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    audit = AuditEvent(
        "alias.set", "alias", "churn@champion", "ann", at, {"version": 1}, {"version": 2}, "better", seq=42
    )
    event = Event.from_audit(audit)
    body = event.body()
    assert body == {
        "id": "evt-42",
        "type": "alias.moved",
        "time": "2026-03-14T09:00:00.000000+00:00",
        "actor": "ann",
        "subject": "churn@champion",
        "data": {
            "action": "alias.set",
            "subject_type": "alias",
            "before": {"version": 1},
            "after": {"version": 2},
            "reason": "better",
            "details": {},
        },
    }
    assert event_from_body(body) == event
    with pytest.raises(InvalidInputError):
        Event.from_audit(AuditEvent("alias.set", "alias", "x@y", "ann", at))


def test_patterns() -> None:
    assert check_patterns("alias.*, deployment.*,alias.*") == ("alias.*", "deployment.*")
    assert check_patterns(["*"]) == ("*",)
    assert matches(("alias.*",), "alias.moved") and not matches(("alias.*",), "deployment.changed")
    for bad in ("", " , ", "nope.*", "alias.moved,typo", "ALIAS.*", "alias.moved;drop"):
        with pytest.raises(InvalidInputError):
            check_patterns(bad)


def test_urls() -> None:
    assert check_url("https://hooks.example.com/steward?x=1") == "https://hooks.example.com/steward?x=1"
    assert check_url("http://127.0.0.1:9000/hook")
    for bad in ("", "ftp://x/y", "http://", "/relative", "http://a b/", "http://u:p@host/", "http://h:0/"):
        with pytest.raises(InvalidInputError):
            check_url(bad)


def test_ids_and_backoff() -> None:
    assert delivery_id(3, 42) == "whd-3-42"
    assert parse_event_id("evt-42") == 42 == parse_event_id("42")
    with pytest.raises(InvalidInputError):
        parse_event_id("evt-x")
    assert [backoff(n, 1.0, 300.0) for n in (1, 2, 3, 4, 9, 10, 100)] == [1, 2, 4, 8, 256, 300, 300]
