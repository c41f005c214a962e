"""docs/examples/kubernetes: every manifest parses, and what it says matches the code, so it cannot rot.

Commands are parsed by the real CLI (unknown options fail), STEWARD_* variables are real settings,
probe paths are answered by the real apps, and ports, selectors and names line up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import typer
import yaml
from sklearn.linear_model import LogisticRegression

from steward import Client
from steward.cli.main import app as cli
from steward.settings import ENV_VARS, Settings
from tests.servers import control_plane
from tests.serving.process import steward_serve

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "examples" / "kubernetes"


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(FOLDER.glob("*.yaml")):
        found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in documents() if d["kind"] == kind]


def containers() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for deployment in of_kind("Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            yield deployment, container


def by_role(subcommand: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return next((d, c) for d, c in containers() if c["args"][0] == subcommand)


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_every_manifest_parses_and_has_the_expected_objects() -> None:
    kinds = sorted(d["kind"] for d in documents())
    assert kinds == sorted(
        [
            "ConfigMap",
            "Secret",
            "Secret",
            "Deployment",
            "Deployment",
            "Service",
            "Service",
            "HorizontalPodAutoscaler",
        ]
    )
    assert {c["args"][0] for _, c in containers()} == {"server", "serve"}


def test_commands_are_valid_steward_invocations() -> None:
    group = typer.main.get_command(cli)
    for _, container in containers():
        assert container["command"] == ["steward"]
        args = [re.sub(r"\$\((\w+)\)", "/tmp/from-env", a) for a in container["args"]]
        with group.make_context("steward", [], resilient_parsing=True) as root:
            command = group.get_command(root, args[0])  # type: ignore[attr-defined]
            assert command is not None, args[0]
            command.make_context(
                args[0], args[1:], parent=root, resilient_parsing=False
            )  # raises on an unknown option or bad value


def test_environment_names_are_real_settings() -> None:
    config = next(d for d in of_kind("ConfigMap"))["data"]
    secrets = {d["metadata"]["name"]: d["stringData"] for d in of_kind("Secret")}
    assert "STEWARD_URI" in secrets["steward-db"] and config["STEWARD_ARTIFACTS"].startswith("s3://")
    used: set[str] = set()
    for _, container in containers():
        names: set[str] = set()
        for source in container["envFrom"]:
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] == "steward-config"
                names |= set(config)
            else:
                names |= set(secrets[source["secretRef"]["name"]])
        passed = set(re.findall(r"\$\((\w+)\)", " ".join(container["args"])))
        assert passed <= names, "every $(VAR) in the arguments comes from the pod's environment"
        used |= passed
    given = {n for n in [*config, *(k for s in secrets.values() for k in s)] if n.startswith("STEWARD_")}
    # a STEWARD_ name the settings do not read must at least be passed on a command line
    assert given <= set(ENV_VARS) | used, given - set(ENV_VARS) - used
    resolved = Settings.resolve(env={**config, **secrets["steward-db"]})
    assert resolved.uri.startswith("postgresql://") and resolved.artifacts == config["STEWARD_ARTIFACTS"]


def test_ports_probes_and_selectors_line_up() -> None:
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    for deployment, container in containers():
        port = int(option(container["args"], "--port"))
        named = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert list(named.values()) == [port]
        for probe in ("readinessProbe", "livenessProbe"):
            assert named[container[probe]["httpGet"]["port"]] == port
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        service = services[deployment["metadata"]["name"]]
        assert service["spec"]["selector"].items() <= labels.items()
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= set(named)
    hpa = of_kind("HorizontalPodAutoscaler")[0]["spec"]
    target = hpa["scaleTargetRef"]
    serve, container = by_role("serve")
    assert (target["kind"], target["name"]) == ("Deployment", serve["metadata"]["name"])
    assert container["resources"]["requests"]["cpu"], "CPU utilisation needs a CPU request"


def test_inference_pods_drain_before_they_stop() -> None:
    serve, container = by_role("serve")
    assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
    assert container["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    grace = serve["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > int(container["lifecycle"]["preStop"]["exec"]["command"][1]) + 30  # + shutdown wait


@pytest.mark.slow
def test_probe_paths_are_answered_by_the_real_servers(tmp_path: Path) -> None:
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    uri = f"sqlite:///{tmp_path / 's.db'}"
    with Client(uri) as client:
        client.register(LogisticRegression().fit(x, [0, 0, 1, 1]), "churn", input_example=x)
        client.create_deployment("churn-api", "churn/1")
    _, serve = by_role("serve")
    _, server = by_role("server")
    with steward_serve(tmp_path, uri, "churn-api", "--no-payload-log") as served:  # waits for ready
        for probe in ("readinessProbe", "livenessProbe"):
            assert httpx.get(served.url + serve[probe]["httpGet"]["path"]).status_code == 200
    (tmp_path / "cp").mkdir()
    with control_plane(tmp_path / "cp") as url:
        for probe in ("readinessProbe", "livenessProbe"):
            assert httpx.get(url + server[probe]["httpGet"]["path"]).status_code == 200
