from __future__ import annotations

from pathlib import Path

import pytest

from steward.core.errors import InvalidInputError
from steward.settings import ENV_VARS, NUMBERS, Settings, normalise_uri

ROOT = Path(__file__).resolve().parents[1]


def test_embedded_default_needs_no_configuration(tmp_path: Path) -> None:
    s = Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})
    assert s.uri == f"sqlite:///{tmp_path / 'steward.db'}"
    assert s.artifacts == str(tmp_path / "artifacts")
    assert not s.is_remote and s.actor


def test_precedence_argument_env_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'uri = "postgresql://db/steward"\nartifacts = "s3://b/p"\nuser = "carol"\n'
        '[artifacts_options]\nendpoint_url = "http://127.0.0.1:9000"\n'
    )
    env = {"STEWARD_HOME": str(tmp_path)}
    from_config = Settings.resolve(env=env)
    assert (from_config.uri, from_config.artifacts, from_config.actor) == (
        "postgresql://db/steward",
        "s3://b/p",
        "carol",
    )
    assert from_config.artifacts_options == {"endpoint_url": "http://127.0.0.1:9000"}
    from_env = Settings.resolve(env={**env, "STEWARD_URI": "http://h:1/", "STEWARD_USER": "dan"})
    assert from_env.uri == "http://h:1" and from_env.is_remote and from_env.actor == "dan"
    explicit = Settings.resolve(
        str(tmp_path / "x.db"), actor="erin", env={**env, "STEWARD_URI": "http://h:1"}
    )
    assert explicit.uri == f"sqlite:///{tmp_path / 'x.db'}" and explicit.actor == "erin"
    assert explicit.artifacts == "s3://b/p"


def test_paths_become_sqlite_uris(tmp_path: Path) -> None:
    assert normalise_uri(str(tmp_path)) == f"sqlite:///{tmp_path / 'steward.db'}"
    assert normalise_uri(str(tmp_path / "a.sqlite")) == f"sqlite:///{tmp_path / 'a.sqlite'}"


def test_broken_config_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("uri = [unclosed")
    with pytest.raises(InvalidInputError, match="Cannot read the config file"):
        Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})
    (tmp_path / "config.toml").write_text("artifacts_options = 3")
    with pytest.raises(InvalidInputError, match="must be a table"):
        Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})


def test_payloads_default_to_home_and_share_the_artifact_storage_options(tmp_path: Path) -> None:
    default = Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})
    assert default.payloads == str(tmp_path / "payloads") and default.payloads_options == {}
    (tmp_path / "config.toml").write_text(
        'artifacts = "s3://models/a"\npayloads = "s3://models/p"\n'
        '[artifacts_options]\nendpoint_url = "http://127.0.0.1:9000"\n'
    )
    same = Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})
    assert same.payloads == "s3://models/p"
    assert same.payloads_options == {"endpoint_url": "http://127.0.0.1:9000"}
    env = {"STEWARD_HOME": str(tmp_path), "STEWARD_PAYLOADS": "memory://payloads"}
    elsewhere = Settings.resolve(env=env)
    assert elsewhere.payloads == "memory://payloads" and elsewhere.payloads_options == {}
    (tmp_path / "config.toml").write_text("payloads_options = 3")
    with pytest.raises(InvalidInputError, match="payloads_options in the config file must be a table"):
        Settings.resolve(env={"STEWARD_HOME": str(tmp_path)})


def test_docs_cover_every_setting() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    for var in ENV_VARS:
        assert f"`{var}`" in text, f"docs/configuration.md does not document {var}"


@pytest.mark.parametrize("key", sorted(NUMBERS))
def test_every_numeric_setting_has_its_default_takes_a_number_and_refuses_the_rest(
    key: str, tmp_path: Path
) -> None:
    default, bound, _, zero = NUMBERS[key]
    env = {"STEWARD_HOME": str(tmp_path)}
    assert getattr(Settings.resolve(env=env), key) == default
    assert getattr(Settings.resolve(env={**env, f"STEWARD_{key.upper()}": "0"}), key) == 0.0
    assert getattr(Settings.resolve(env={**env, f"STEWARD_{key.upper()}": "2.5"}), key) == 2.5
    for bad in ("-1", "soon", "nan", str(bound)):
        with pytest.raises(InvalidInputError, match=f"Bad {key} '{bad}': .*{zero}"):
            Settings.resolve(env={**env, f"STEWARD_{key.upper()}": bad})
