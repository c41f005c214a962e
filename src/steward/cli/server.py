"""``steward server``: run the control plane (REST API, OpenAPI docs at ``/docs``) with uvicorn."""

from __future__ import annotations

import errno
import ipaddress
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer

from steward.cli.options import globals_of
from steward.cli.output import console, note
from steward.core.errors import ConflictError, InvalidInputError
from steward.settings import Settings

HostOption = Annotated[
    str,
    typer.Option(
        "--host", metavar="HOST", help="Interface to bind; 0.0.0.0 exposes the server to the network."
    ),
]
PortOption = Annotated[
    int, typer.Option("--port", min=1, max=65535, metavar="PORT", help="TCP port to listen on.")
]


def server(
    ctx: typer.Context,
    *,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8080,
    uri: Annotated[
        str | None,
        typer.Option(
            "--uri",
            metavar="URI",
            help="Database to serve (sqlite:///… or postgresql://…); overrides steward --uri.",
        ),
    ] = None,
) -> None:
    """Run the control plane: the web console at /, the REST API, OpenAPI docs at /docs."""
    serve(globals_of(ctx).settings(uri), host, port)


def serve(settings: Settings, host: str, port: int) -> None:
    """Open the store, build the API and run it until Ctrl+C or SIGTERM."""
    if settings.is_remote:
        raise InvalidInputError(
            f"steward server serves a database, and {settings.uri} is already a control plane: "
            "pass --uri sqlite:///… or postgresql://… (or a folder)."
        )
    check_auth_allows(settings, host)
    check_port_free(host, port)
    import uvicorn

    from steward.api.app import create_app
    from steward.app import Steward
    from steward.services.retraining import RetrainingScheduler
    from steward.services.rollout_controller import RolloutController
    from steward.services.scheduler import MonitoringScheduler
    from steward.services.webhooks import WebhookDispatcher

    with Steward.open(settings) as steward:
        api = create_app(steward)
        scheduler = MonitoringScheduler(
            lambda: steward.monitoring, settings.monitor_interval, actor="scheduler"
        )
        dispatcher = WebhookDispatcher(lambda: steward.webhooks, settings.webhook_interval)
        retrainer = RetrainingScheduler(
            lambda: steward.retraining, settings.retrain_interval, actor="scheduler"
        )
        controller = RolloutController(lambda: steward.rollouts, settings.rollout_interval)
        print_banner(settings, host, port)
        if settings.auth_enabled and steward.identities.needs_first_admin():
            print_first_sign_in(settings)
        scheduler.start()
        dispatcher.start()
        retrainer.start()
        controller.start()
        try:
            with _sigterm_as_interrupt():
                uvicorn.run(api, host=host, port=port, log_level="info")
        except KeyboardInterrupt:
            pass
        finally:
            retrainer.stop()
            controller.stop()
            dispatcher.stop()
            scheduler.stop()
    note("Stopped.")


def base_url(host: str, port: int) -> str:
    """The URL clients on this machine use: a wildcard bind is reached on loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def print_banner(settings: Settings, host: str, port: int) -> None:
    url = base_url(host, port)
    out = console()
    out.print(f"[bold]Steward control plane[/bold] serving {settings.uri}", markup=True, highlight=False)
    out.print(f"  Web console:    {url}/", markup=False, soft_wrap=True)
    out.print(f"  API docs:       {url}/docs", markup=False, soft_wrap=True)
    out.print(f"  Health:         {url}/api/v1/health", markup=False, soft_wrap=True)
    out.print(
        f"  Use it from the CLI:  export STEWARD_URI={url}   (or steward --uri {url} …)",
        markup=False,
        soft_wrap=True,
    )
    out.print(f'  Use it from Python:   steward.Client("{url}")', markup=False, soft_wrap=True)
    auth = "on: every request needs an API token" if settings.auth_enabled else "off (single user, loopback)"
    out.print(f"  Sign-in:        {auth}", markup=False, soft_wrap=True)
    interval = settings.monitor_interval
    every = f"every {interval:g} s" if interval > 0 else "off (STEWARD_MONITOR_INTERVAL=0)"
    out.print(f"  Monitoring runs:      {every}", markup=False, soft_wrap=True)
    pace = settings.webhook_interval
    rounds = f"every {pace:g} s" if pace > 0 else "off (STEWARD_WEBHOOK_INTERVAL=0)"
    out.print(f"  Webhook deliveries:   {rounds}", markup=False, soft_wrap=True)
    every_retrain = settings.retrain_interval
    retrains = f"every {every_retrain:g} s" if every_retrain > 0 else "off (STEWARD_RETRAIN_INTERVAL=0)"
    out.print(f"  Retraining rounds:    {retrains}", markup=False, soft_wrap=True)
    out.print("  Press Ctrl+C to stop.", markup=False, soft_wrap=True)


def check_auth_allows(settings: Settings, host: str) -> None:
    """With auth off, only a loopback address may be bound: anyone else could act as anyone."""
    if not settings.auth_enabled and not is_loopback(host):
        raise InvalidInputError(
            f"Refusing to listen on {host} with sign-in off: anyone who can reach it could change the "
            'registry. Turn sign-in on with STEWARD_AUTH=on (or auth = "on" in the config file), create '
            "an admin with `steward users create admin --role admin`, or bind 127.0.0.1."
        )


def print_first_sign_in(settings: Settings) -> None:
    """Auth is on and nobody is an admin yet: say how to become the first one."""
    note(
        "No admin exists yet. On this machine, create the first one and its API token (printed once):\n"
        f"  STEWARD_URI={settings.uri} STEWARD_AUTH=on steward users create admin --role admin\n"
        "then send it as 'Authorization: Bearer <token>' (CLI/SDK: export STEWARD_TOKEN=<token>)."
    )


def check_port_free(host: str, port: int) -> None:
    """Fail with one clear line before uvicorn would fail with a log record and a traceback."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InvalidInputError(f"Cannot bind to host {host!r}: {exc.strerror}.") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConflictError(f"Port {port} on {host} is in use: pick another with --port.") from None
            raise InvalidInputError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While running, SIGTERM stops the server the way Ctrl+C does (uvicorn shuts down gracefully)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
