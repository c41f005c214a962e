from __future__ import annotations

import json

from tests.cli.conftest import Registry


def test_create_then_show(registry: Registry) -> None:
    result = registry.run(
        "models", "create", "churn", "-d", "Who leaves", "--owner", "ana", "--tag", "team=risk"
    )
    assert result.exit_code == 0, result.output
    assert "Created model churn (owner ana)." in result.stdout

    shown = registry.run("models", "show", "churn", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["name"], data["owner"], data["description"]) == ("churn", "ana", "Who leaves")
    assert data["tags"] == {"team": "risk"}
    assert data["latest_version"] == 0

    table = registry.run("models", "show", "churn")
    assert "Who leaves" in table.stdout and "team=risk" in table.stdout


def test_create_json_and_audit_actor(registry: Registry) -> None:
    result = registry.run("--user", "ana", "models", "create", "fraud", "--json")
    assert json.loads(result.stdout)["owner"] == "ana"
    with registry.client() as client:
        (event,) = client.audit(target="fraud").items
    assert (event.action, event.actor) == ("model.create", "ana")


def test_list_table_json_filter_and_pages(seeded: Registry) -> None:
    table = seeded.run("models", "list")
    assert table.exit_code == 0, table.output
    assert "churn" in table.stdout and "fraud" in table.stdout and "champion=2" in table.stdout

    data = json.loads(seeded.run("models", "list", "--json").stdout)
    assert [m["name"] for m in data["items"]] == ["churn", "fraud"]
    assert data["next_page_token"] is None

    only = json.loads(seeded.run("models", "list", "--filter", "tags.team = 'payments'", "--json").stdout)
    assert [m["name"] for m in only["items"]] == ["fraud"]

    first = seeded.run("models", "list", "--order-by", "name DESC", "--max-results", "1", "--json")
    page = json.loads(first.stdout)
    assert [m["name"] for m in page["items"]] == ["fraud"]
    assert page["next_page_token"]
    assert "--page-token" in seeded.run("models", "list", "-n", "1").stderr
    rest = seeded.run(
        "models", "list", "--order-by", "name DESC", "--page-token", page["next_page_token"], "--json"
    )
    assert [m["name"] for m in json.loads(rest.stdout)["items"]] == ["churn"]


def test_update_keeps_other_tags(seeded: Registry) -> None:
    result = seeded.run("models", "update", "churn", "--description", "Churn v2", "--tag", "tier=1")
    assert result.exit_code == 0, result.output
    with seeded.client() as client:
        model = client.get_model("churn")
    assert model.description == "Churn v2"
    assert model.tags == {"team": "risk", "tier": "1"}

    replaced = seeded.run("models", "update", "churn", "--tag", "team=growth", "--json")
    assert json.loads(replaced.stdout)["tags"] == {"team": "growth", "tier": "1"}
