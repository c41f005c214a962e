"""Settings: where the metadata and the artifacts live, and who is acting.

Resolved once, at the edge (CLI, server start, ``Client()``), in this order:
explicit arguments, environment variables, the config file, defaults. Library
code never reads the environment itself; it is handed a :class:`Settings`.

=====================  ===========================================================
``STEWARD_URI``        metadata store (``sqlite:///…``, ``postgresql://…``) or the
                       URL of a control plane (``http://host:port``)
``STEWARD_ARTIFACTS``  artifact store: a folder or any fsspec URL (``s3://…``)
``STEWARD_PAYLOADS``   the inference servers' payload log: a folder or any fsspec
                       URL (``$STEWARD_HOME/payloads``)
``STEWARD_HOME``       the embedded default's folder (``~/.steward``)
``STEWARD_CONFIG``     the config file (``$STEWARD_HOME/config.toml``)
``STEWARD_USER``       the actor recorded in the audit trail (your login name)
``STEWARD_TOKEN``      API token: sent to a remote control plane, or signs in to
                       an embedded store when auth is on
``STEWARD_AUTH``       ``off`` (default: single user, loopback only) or ``on``
                       (every caller signs in; roles are enforced)
``STEWARD_TOKEN``      API token sent to a remote control plane
``STEWARD_MONITOR_INTERVAL``  seconds between the control plane's monitoring runs
                       (default 300; 0 turns the scheduler off)
``STEWARD_WEBHOOK_INTERVAL``  seconds between the control plane's webhook delivery
                       rounds (default 1; 0 turns delivery off in that process)
``STEWARD_WEBHOOK_RETENTION``  days the webhook delivery log keeps settled attempts
                       (default 30; 0 keeps them forever; pending retries always stay)
``STEWARD_RETRAIN_INTERVAL``  seconds between the control plane's retraining rounds
                       (triggers evaluated, queued runs executed; default 5; 0 off)
``STEWARD_ROLLOUT_INTERVAL``  seconds between the control plane's rollout checks
                       (default 5; 0 turns the rollout controller off in that process)
=====================  ===========================================================

The config file is TOML with the same keys in lower case, without the
prefix: ``uri``, ``artifacts``, ``payloads``, ``user``, ``token``, ``auth``, and the
``[artifacts_options]`` and ``[payloads_options]`` tables passed to fsspec (e.g.
``endpoint_url``). Without ``[payloads_options]``, a payload log on the same
kind of storage as the artifacts (both ``s3://``…) uses ``[artifacts_options]``.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steward.core.errors import InvalidInputError

ENV_VARS = (
    "STEWARD_URI",
    "STEWARD_ARTIFACTS",
    "STEWARD_PAYLOADS",
    "STEWARD_HOME",
    "STEWARD_CONFIG",
    "STEWARD_USER",
    "STEWARD_TOKEN",
    "STEWARD_AUTH",
    "STEWARD_MONITOR_INTERVAL",
    "STEWARD_WEBHOOK_INTERVAL",
    "STEWARD_WEBHOOK_RETENTION",
    "STEWARD_RETRAIN_INTERVAL",
    "STEWARD_ROLLOUT_INTERVAL",
)
AUTH_MODES = ("off", "on")


@dataclass(frozen=True)
class Settings:
    uri: str
    artifacts: str
    home: Path
    actor: str
    token: str | None = None
    artifacts_options: dict[str, Any] = field(default_factory=dict)
    #: Where ``steward serve`` writes its payload log (a folder or an fsspec URL); monitoring reads it.
    payloads: str = ""
    payloads_options: dict[str, Any] = field(default_factory=dict)
    auth: str = "off"

    @property
    def auth_enabled(self) -> bool:
        return self.auth == "on"

    monitor_interval: float = 300.0
    webhook_interval: float = 1.0
    #: Days the webhook delivery log keeps settled attempts (0: forever).
    webhook_retention: float = 30.0
    retrain_interval: float = 5.0
    rollout_interval: float = 5.0

    @property
    def is_remote(self) -> bool:
        return self.uri.startswith(("http://", "https://"))

    @classmethod
    def resolve(
        cls,
        uri: str | None = None,
        *,
        artifacts: str | None = None,
        actor: str | None = None,
        token: str | None = None,
        auth: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("STEWARD_HOME") or Path.home() / ".steward").expanduser()
        config = _read_config(Path(env.get("STEWARD_CONFIG") or home / "config.toml"))
        uri = uri or env.get("STEWARD_URI") or config.get("uri") or f"sqlite:///{home / 'steward.db'}"
        uri = normalise_uri(str(uri))
        if not artifacts:
            artifacts = env.get("STEWARD_ARTIFACTS") or config.get("artifacts")
        if not artifacts:
            if uri.startswith("sqlite:///"):
                artifacts = str(Path(uri[len("sqlite:///") :]).parent / "artifacts")
            else:
                artifacts = str(home / "artifacts")
        options = _table(config, "artifacts_options")
        payloads = str(env.get("STEWARD_PAYLOADS") or config.get("payloads") or home / "payloads")
        if "payloads_options" in config:
            payloads_options = _table(config, "payloads_options")
        elif "://" in payloads and _scheme(payloads) == _scheme(str(artifacts)):
            payloads_options = dict(options)  # the same storage: the same endpoint and keys
        else:
            payloads_options = {}
        mode = str(auth or env.get("STEWARD_AUTH") or config.get("auth") or "off").lower()
        if mode not in AUTH_MODES:
            raise InvalidInputError(
                f"Unknown auth mode {mode!r}: set STEWARD_AUTH (or auth) to 'off' or 'on'."
            )
        return cls(
            uri=uri,
            artifacts=str(artifacts),
            home=home,
            actor=actor or env.get("STEWARD_USER") or config.get("user") or _login(),
            token=token or env.get("STEWARD_TOKEN") or config.get("token"),
            artifacts_options=dict(options),
            payloads=payloads,
            payloads_options=payloads_options,
            auth=mode,
            monitor_interval=_number("monitor_interval", env, config),
            webhook_interval=_number("webhook_interval", env, config),
            webhook_retention=_number("webhook_retention", env, config),
            retrain_interval=_number("retrain_interval", env, config),
            rollout_interval=_number("rollout_interval", env, config),
        )


def _table(config: dict[str, Any], key: str) -> dict[str, Any]:
    options = config.get(key) or {}
    if not isinstance(options, dict):
        raise InvalidInputError(f"{key} in the config file must be a table.")
    return dict(options)


def _scheme(location: str) -> str:
    return location.split("://", 1)[0].lower() if "://" in location else "file"


def normalise_uri(uri: str) -> str:
    """A plain folder or ``.db`` path becomes a SQLite URI; URLs pass through."""
    if "://" in uri:
        return uri.rstrip("/") if uri.startswith(("http://", "https://")) else uri
    path = Path(uri).expanduser().resolve()
    if path.suffix in (".db", ".sqlite", ".sqlite3"):
        return f"sqlite:///{path}"
    return f"sqlite:///{path / 'steward.db'}"


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the config file {path}: {exc}. Fix or remove it.") from None


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "anonymous"


#: Numeric settings: the default, the bound they must stay under, what they count, what 0 means.
NUMBERS: dict[str, tuple[float, float, str, str]] = {
    "monitor_interval": (300.0, 10**7, "seconds between monitoring runs", "0 turns it off"),
    "webhook_interval": (1.0, 10**6, "seconds between webhook deliveries", "0 turns it off"),
    "webhook_retention": (30.0, 36501, "days to keep the webhook delivery log", "0 keeps it forever"),
    "retrain_interval": (5.0, 10**6, "seconds between retraining rounds", "0 turns it off"),
    "rollout_interval": (5.0, 10**6, "seconds between rollout checks", "0 turns it off"),
}


def _number(key: str, env: Mapping[str, str], config: dict[str, Any]) -> float:
    """Setting *key* from ``STEWARD_<KEY>`` or the config file: a number from 0 up; its default when unset."""
    value = env.get(f"STEWARD_{key.upper()}") or config.get(key)
    default, bound, what, zero = NUMBERS[key]
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0 <= number < bound:
        raise InvalidInputError(f"Bad {key} {value!r}: {what}, e.g. {default:g} ({zero}).")
    return number
