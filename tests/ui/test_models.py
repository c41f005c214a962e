"""The model, compare and version pages over HTTP, and their actions (alias move, approval request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tests.ui.conftest import World, csrf_of, sign_in, training_data

LONG = ("very-long-model-name." * 7)[:127]  # model names are ASCII, up to 128 characters
UNICODE_TEXT = "Prévision du départ — 顧客離反 🚀 <script>alert(1)</script>"


@dataclass(frozen=True)
class Extra:
    long: str
    run_id: int
    accuracy: dict[int, float]


def holdout(seed: int = 1) -> pd.DataFrame:
    frame, target = training_data(seed, rows=240)
    frame = frame.assign(churned=target.to_numpy())
    frame["region"] = np.where(np.arange(len(frame)) % 3 == 0, "Süd", "Nord")
    return frame


@pytest.fixture(scope="module")
def extra(world: World) -> Extra:
    """churn/2 validated (with fairness), explained and carded; churn/1 killed; a long-named model."""
    data = holdout()
    with world.client("alice") as alice:
        run = alice.validate(f"{world.model}/2", data, "churned", sensitive=["region"])
        features = data[["tenure", "spend", "calls"]]
        alice.explain(f"{world.model}/2", data.drop(columns=["region"]), target="churned", n_repeats=2)
        alice.explain(f"{world.model}/2", features, kind="pdp", features=["tenure"], grid_size=5, ice_rows=3)
        alice.edit_card(f"{world.model}/2", intended_use=UNICODE_TEXT, caveats="Trained on 2025 data only.")
        frame, target = training_data(seed=3)
        for columns in (["tenure", "spend"], ["tenure", "spend", "calls"]):
            model = LogisticRegression().fit(frame[columns], target)
            alice.register(model, LONG, input_example=frame[columns].head(3), params={"cols": len(columns)})
        alice.update_model(LONG, description=UNICODE_TEXT, tags={"team": "données ✓"})
        alice.create_model("no-versions-yet")
        accuracy = {v.version: v.metrics["accuracy"] for v in alice.search(f"name = '{world.model}'").items}
    with world.client("olga") as olga:
        olga.kill_version(f"{world.model}/1", reason="leaks the label")
    with world.client("root") as root:
        root.publish_policy(
            "name: production\naliases: [champion]\ngates:\n  approvals: {role: reviewer, quorum: 2}\n"
        )
    return Extra(LONG, run.id, accuracy)


def audit_count(console: httpx.Client, world: World) -> int:
    headers = {"Authorization": f"Bearer {world.tokens['root']}"}
    total, token = 0, None
    while True:
        params: dict[str, Any] = {"max_results": 1000, **({"page_token": token} if token else {})}
        body = console.get("/api/v1/audit", params=params, headers=headers).json()
        total += len(body["items"])
        token = body.get("next_page_token")
        if not token:
            return total


def no_actions(html: str) -> None:
    assert '/alias"' not in html and '/approval"' not in html  # no form posts to the actions
    assert 'data-testid="actions"' not in html
    assert "Move alias here" not in html and "Request approval" not in html


# -- the model page ------------------------------------------------------------------------------


def test_model_page_shows_metadata_versions_metrics_and_aliases(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    answer = sign_in(console, world, "vic").get(f"/models/{world.model}")
    assert answer.status_code == 200
    page = answer.text
    assert "Who is about to leave" in page and "retention" in page and "alice" in page
    assert f'href="/models/{world.model}/versions/1">champion → v1</a>' in page
    table = page.split('data-testid="versions"')[1].split("</table>")[0]
    assert table.index(">v2<") < table.index(">v1<")  # newest first
    assert '<th class="num"' in table and "accuracy" in table
    best = max(extra.accuracy.values())
    assert f'<td class="num best">{best:.4g}</td>' in table
    no_actions(page)


def test_model_page_has_the_alias_timeline_as_a_table_and_a_chart(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{world.model}").text
    moves = page.split('data-testid="alias-moves"')[1].split("</table>")[0]
    assert "olga" in moves and "first release" in moves and "none →" in moves
    chart = page.split('data-testid="alias-timeline"')[1].split("</figure>")[0]
    assert "<svg" in chart and "</svg>" in chart


def test_model_without_aliases_long_name_and_unicode_is_escaped(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    answer = sign_in(console, world, "vic").get(f"/models/{extra.long}")
    assert answer.status_code == 200
    page = answer.text
    assert f'data-testid="model-name">{extra.long}</h1>' in page
    assert "顧客離反 🚀" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "team=données ✓" in page
    assert "No aliases yet" in page and "No alias has been moved yet." in page
    assert 'data-testid="alias-timeline"' not in page


def test_a_model_without_versions(console: httpx.Client, world: World, extra: Extra) -> None:
    page = sign_in(console, world, "vic").get("/models/no-versions-yet").text
    assert "No versions on this page" in page and 'data-testid="compare-form"' not in page
    assert 'data-testid="versions"' not in page


def test_model_page_errors_are_html_pages(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    missing = console.get("/models/no-such-model")
    assert missing.status_code == 404 and "no-such-model" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert console.get("/models/bad%20name!").status_code == 422
    assert console.get(f"/models/{world.model}", params={"page": "0"}).status_code == 422
    empty = console.get(f"/models/{world.model}", params={"page": "9"})
    assert empty.status_code == 200 and "No versions on this page" in empty.text


# -- compare -----------------------------------------------------------------------------------


def test_compare_shows_metric_differences_params_signature_and_validation(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    answer = sign_in(console, world, "vic").get(f"/models/{world.model}/compare", params={"a": 1, "b": 2})
    assert answer.status_code == 200
    page = answer.text
    metrics = page.split('data-testid="compare-metrics"')[1].split("</table>")[0]
    difference = extra.accuracy[2] - extra.accuracy[1]
    assert f"{difference:+.4g}" in metrics
    params = page.split('data-testid="compare-params"')[1].split("</table>")[0]
    assert "<td>1.0</td><td>0.1</td>" in params and "changed" in params
    assert 'data-testid="signature-same"' in page
    validation = page.split('data-testid="compare-validation"')[1].split("</table>")[0]
    assert "not validated" in validation  # v1
    assert f"/models/{world.model}/versions/2/validation/{extra.run_id}" in validation
    assert "metric:accuracy" in validation or "fairness" in validation


def test_compare_lists_added_signature_columns(console: httpx.Client, world: World, extra: Extra) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{extra.long}/compare?a=1&b=2").text
    signature = page.split('data-testid="compare-signature"')[1].split("</table>")[0]
    row = signature.split("<td>calls")[1].split("</tr>")[0]
    assert "added" in row
    assert 'data-testid="signature-same"' not in page


def test_compare_refuses_bad_versions(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    base = f"/models/{world.model}/compare"
    assert console.get(base).status_code == 422
    assert console.get(base, params={"a": "x", "b": "1"}).status_code == 422
    missing = console.get(base, params={"a": "1", "b": "99"})
    assert missing.status_code == 404 and "99" in missing.text


# -- the version page --------------------------------------------------------------------------


def test_version_page_shows_metadata_signature_and_lineage(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    with world.client("root") as root:
        version = root.get(f"{world.model}/2")
    page = sign_in(console, world, "vic").get(f"/models/{world.model}/versions/2").text
    assert version.artifact_digest in page and "sklearn" in page
    assert "<th>C</th><td>0.1</td>" in page
    signature = page.split('data-testid="signature"')[1].split("</table>")[0]
    assert all(f"<td>{c}</td>" in signature for c in ("tenure", "spend", "calls"))
    lineage = page.split('data-testid="lineage"')[1].split("</figure>")[0]
    dataset = version.lineage.datasets[0]
    assert "<svg" in lineage and dataset.fingerprint[:16] in lineage and f"{dataset.rows:,} rows" in lineage
    no_actions(page)


def test_version_page_shows_validation_fairness_explanations_card_and_approvals(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{world.model}/versions/2").text
    validation = page.split('data-testid="validation"')[1].split("</section>")[0]
    assert f"/validation/{extra.run_id}" in validation and "<svg" in validation
    fairness = page.split('data-testid="fairness"')[1].split("</section>")[0]
    assert "<td>Nord</td>" in fairness and "<td>Süd</td>" in fairness and "region" in fairness
    charts = page.split('data-testid="explanation-charts"')[1].split("</div>")[0]
    assert charts.count("<svg") == 2  # importance bars and partial dependence
    assert "global" in page and "pdp" in page
    card = page.split('data-testid="card"')[1].split("</section>")[0]
    assert "draft" in card and "顧客離反" in card and "&lt;script&gt;" in card and "Trained on 2025" in card
    approvals = page.split('data-testid="approvals"')[1].split("</table>")[0]
    assert f"#{world.approval_id}" in approvals and "better recall" in approvals and "pending" in approvals


def test_killed_version_says_so(console: httpx.Client, world: World, extra: Extra) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{world.model}/versions/1").text
    assert 'data-testid="killed"' in page and "leaks the label" in page and "olga" in page


def test_version_empty_states(console: httpx.Client, world: World, extra: Extra) -> None:
    page = sign_in(console, world, "vic").get(f"/models/{extra.long}/versions/1").text
    for message in (
        "Not validated yet",
        "No fairness checks",
        "No explanations stored",
        "No model card written yet",
        "No approval requests for this version.",
        "No alias has pointed at this version.",
    ):
        assert message in page
    assert 'data-testid="killed"' not in page


def test_validation_report_and_card_export(console: httpx.Client, world: World, extra: Extra) -> None:
    sign_in(console, world, "vic")
    base = f"/models/{world.model}/versions/2"
    report = console.get(f"{base}/validation/{extra.run_id}")
    assert report.status_code == 200 and f"Validation run {extra.run_id}" in report.text
    assert console.get(f"/models/{world.model}/versions/1/validation/{extra.run_id}").status_code == 404
    markdown = console.get(f"{base}/card.md")
    assert markdown.status_code == 200 and "顧客離反" in markdown.text
    assert console.get(f"{base}/card.json").json()
    assert console.get(f"{base}/card.pdf").status_code == 422


def test_version_page_errors(console: httpx.Client, world: World) -> None:
    sign_in(console, world, "vic")
    assert console.get(f"/models/{world.model}/versions/99").status_code == 404
    assert console.get(f"/models/{world.model}/versions/abc").status_code == 422
    assert console.get("/models/nope/versions/1").status_code == 404


# -- actions ---------------------------------------------------------------------------------


def post(console: httpx.Client, path: str, **fields: str) -> httpx.Response:
    page = path.rsplit("/", 1)[0]
    return console.post(path, data={"csrf": csrf_of(console, page), **fields})


def test_roles_see_the_actions_they_may_take(console: httpx.Client, world: World, extra: Extra) -> None:
    path = f"/models/{world.model}/versions/2"
    operator = sign_in(console, world, "olga").get(path).text
    assert 'data-testid="move-alias"' in operator and 'data-testid="request-approval"' in operator
    contributor = sign_in(console, world, "alice").get(path).text
    assert 'data-testid="request-approval"' in contributor and 'data-testid="move-alias"' not in contributor
    reviewer = sign_in(console, world, "bob").get(path).text
    no_actions(reviewer)


def test_an_operator_moves_an_alias_with_a_reason(console: httpx.Client, world: World, extra: Extra) -> None:
    sign_in(console, world, "olga")
    before = audit_count(console, world)
    path = f"/models/{world.model}/versions/2"
    answer = post(console, f"{path}/alias", alias="challenger", reason="try the regularised one")
    assert answer.status_code == 303 and answer.headers["location"] == path
    assert audit_count(console, world) == before + 1
    with world.client("root") as root:
        assert root.get(f"{world.model}@challenger").version == 2
    model = console.get(f"/models/{world.model}").text
    assert "challenger → v2" in model and "try the regularised one" in model


def test_an_alias_move_needs_a_reason_and_writes_nothing_without(
    console: httpx.Client, world: World, extra: Extra
) -> None:
    sign_in(console, world, "olga")
    before = audit_count(console, world)
    path = f"/models/{world.model}/versions/1/alias"
    assert post(console, path, alias="shadow", reason="  ").status_code == 422
    assert post(console, path, alias="bad alias!", reason="x").status_code == 422
    assert console.post(path, data={"alias": "shadow", "reason": "no token"}).status_code == 403
    assert audit_count(console, world) == before


def test_a_policy_refusal_lists_the_unmet_gates(console: httpx.Client, world: World, extra: Extra) -> None:
    sign_in(console, world, "olga")
    before = audit_count(console, world)
    answer = post(console, f"/models/{world.model}/versions/2/alias", alias="champion", reason="ship it")
    assert answer.status_code == 403
    assert "Refused by policy" in answer.text and 'data-testid="unmet-gates"' in answer.text
    assert "approvals" in answer.text.split('data-testid="unmet-gates"')[1]
    assert audit_count(console, world) == before
    with world.client("root") as root:
        assert root.get(f"{world.model}@champion").version == 1


def test_a_contributor_requests_approval(console: httpx.Client, world: World, extra: Extra) -> None:
    sign_in(console, world, "alice")
    before = audit_count(console, world)
    path = f"/models/{world.model}/versions/2"
    answer = post(console, f"{path}/approval", target="challenger", reason="needs sign-off ✓")
    assert answer.status_code == 303 and answer.headers["location"] == f"{path}#approvals"
    assert audit_count(console, world) == before + 1
    approvals = console.get(path).text.split('data-testid="approvals"')[1]
    assert "needs sign-off ✓" in approvals and "challenger" in approvals


@pytest.mark.parametrize("user", ["vic", "bob"])
def test_forged_actions_are_refused_and_write_nothing(
    console: httpx.Client, world: World, extra: Extra, user: str
) -> None:
    sign_in(console, world, user)
    before = audit_count(console, world)
    path = f"/models/{world.model}/versions/2"
    moved = post(console, f"{path}/alias", alias="forged", reason="forged")
    assert moved.status_code == 403 and "may not" in moved.text
    requested = post(console, f"{path}/approval", target="champion", reason="forged")
    assert requested.status_code == 403  # requesting is for contributors and operators
    assert audit_count(console, world) == before
    with world.client("root") as root:
        assert "forged" not in root.get_model(world.model).aliases
