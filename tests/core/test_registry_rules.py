from __future__ import annotations

import pytest

from steward.core.errors import InvalidInputError
from steward.core.registry import (
    ModelRef,
    VersionDraft,
    check_alias,
    check_metrics,
    check_model_name,
    check_tags,
    check_version_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("churn", ModelRef("churn")),
        ("churn/3", ModelRef("churn", version=3)),
        ("churn/latest", ModelRef("churn")),
        ("churn@champion", ModelRef("churn", alias="champion")),
        ("models:/churn@champion", ModelRef("churn", alias="champion")),
        (" fraud.v2/12 ", ModelRef("fraud.v2", version=12)),
    ],
)
def test_refs_parse(text: str, expected: ModelRef) -> None:
    assert ModelRef.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "churn/abc", "churn/0", "churn/-1", "churn@", "@x", "a b", "churn@latest"]
)
def test_bad_refs(text: str) -> None:
    with pytest.raises(InvalidInputError):
        ModelRef.parse(text)


def test_names_aliases_versions() -> None:
    assert check_model_name("a-b_c.1") == "a-b_c.1"
    for bad in ["", "-a", "a/b", "x" * 129, "naïve"]:
        with pytest.raises(InvalidInputError, match="Invalid model name"):
            check_model_name(bad)
    assert check_alias("champion") == "champion"
    for bad in ["1abc", "latest", "", "a b"]:
        with pytest.raises(InvalidInputError, match="Invalid alias"):
            check_alias(bad)
    assert check_version_number("7") == 7
    for bad in [0, -1, True, 1.5, "x"]:
        with pytest.raises(InvalidInputError, match="Invalid version"):
            check_version_number(bad)


def test_tags_and_metrics() -> None:
    assert check_tags({"team": "risk", "n": 3}) == {"team": "risk", "n": "3"}
    with pytest.raises(InvalidInputError, match="tag key"):
        check_tags({"bad key!": "x"})
    with pytest.raises(InvalidInputError, match="strings or numbers"):
        check_tags({"k": {"nested": 1}})
    assert check_metrics({"auc": 1}) == {"auc": 1.0}
    with pytest.raises(InvalidInputError, match="must be a number"):
        check_metrics({"auc": "high"})
    with pytest.raises(InvalidInputError, match="NaN"):
        check_metrics({"auc": float("nan")})


def test_draft_checks() -> None:
    good = VersionDraft(model="m", artifact_digest="a" * 64, flavor="sklearn", metrics={"x": 1})
    assert good.checked().metrics == {"x": 1.0}
    with pytest.raises(InvalidInputError, match="digest"):
        VersionDraft(model="m", artifact_digest="zz", flavor="sklearn").checked()
    with pytest.raises(InvalidInputError, match="flavor"):
        VersionDraft(model="m", artifact_digest="a" * 64, flavor="Bad Flavor").checked()
