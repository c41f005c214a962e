"""The ``steward`` command: global options, the command groups, and error handling.

Every :class:`~steward.core.errors.StewardError` and every usage error ends the
command with one line on stderr (``Error: …``) and an exit code chosen by the
error's class (:data:`steward.cli.output.EXIT_CODES`); never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from steward import __version__
from steward.cli import (
    alias,
    approvals,
    audit,
    card,
    demo,
    deploy,
    evidence,
    explain,
    findings,
    inventory,
    kill,
    models,
    monitor,
    policy,
    register,
    retrain,
    rollout,
    score,
    serve,
    server,
    tokens,
    users,
    validate,
    versions,
    webhooks,
)
from steward.cli.options import GlobalOptions
from steward.cli.output import EXIT_INTERRUPTED, EXIT_USAGE, exit_code_for, print_error
from steward.core.errors import PolicyViolationError, StewardError

try:  # Typer >= 0.20 ships its own copy of Click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older Typer on Click
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # type: ignore[assignment]


#: The order ``steward --help`` lists the commands in: the everyday ones first.
COMMAND_ORDER = (
    "models",
    "versions",
    "register",
    "alias",
    "validate",
    "validations",
    "explain",
    "approvals",
    "card",
    "evidence",
    "inventory",
    "policy",
    "deploy",
    "kill",
    "rollout",
    "score",
    "monitor",
    "audit",
    "events",
    "webhooks",
    "retrain",
    "users",
    "tokens",
    "server",
    "demo",
)


class StewardGroup(TyperGroup):
    """The root group: runs the command and turns every expected failure into one line."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(
            names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER)
        )

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name or "steward", complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except StewardError as exc:
            message = exc.message
            if isinstance(exc, PolicyViolationError) and exc.unmet:
                message += f" (unmet: {', '.join(exc.unmet)})"
            print_error(message)
            code = exit_code_for(exc)
        except NoArgsIsHelpError as exc:
            if exc.format_message().strip():  # plain help; Rich help is already printed
                exc.show()
            code = EXIT_USAGE
        except UsageError as exc:
            hint = f" See '{exc.ctx.command_path} --help'." if exc.ctx is not None else ""
            message = exc.format_message().strip()
            print_error(message + ("" if message.endswith((".", "?", "!")) else ".") + hint)
            code = exc.exit_code
        except ClickException as exc:
            print_error(exc.format_message())
            code = exc.exit_code
        except typer.Abort:
            print_error("Aborted.")
            code = 1
        except KeyboardInterrupt:
            print_error("Interrupted.")
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    name="steward",
    cls=StewardGroup,
    help="Steward: register, find, label and serve trained models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(models.app, name="models")
app.add_typer(versions.app, name="versions")
app.add_typer(alias.app, name="alias")
app.add_typer(deploy.app, name="deploy")
app.add_typer(kill.app, name="kill")
app.add_typer(rollout.app, name="rollout")
app.add_typer(monitor.app, name="monitor")
app.add_typer(audit.app, name="audit")
app.add_typer(approvals.app, name="approvals")
app.add_typer(card.app, name="card")
app.add_typer(policy.app, name="policy")
app.add_typer(findings.app, name="findings")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(retrain.app, name="retrain")
app.command("register")(register.register)
app.command("server")(server.server)
app.command("serve")(serve.serve)
app.command("score")(score.score)
app.command("demo")(demo.demo)
app.command("explain")(explain.explain)
app.command("validate")(validate.validate)
app.command("validations")(validate.validations)
app.command("inventory")(inventory.inventory)
app.command("evidence")(evidence.evidence)
app.command("events")(webhooks.events)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"steward {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    uri: Annotated[
        str | None,
        typer.Option(
            "--uri",
            metavar="URI",
            help="Metadata store (sqlite:///…, postgresql://…, a folder) or control plane URL "
            "(http://host:port). Default: STEWARD_URI, the config file, then ~/.steward.",
            show_default=False,
        ),
    ] = None,
    artifacts: Annotated[
        str | None,
        typer.Option(
            "--artifacts",
            metavar="URL",
            help="Artifact store: a folder or fsspec URL. "
            "Default: STEWARD_ARTIFACTS, or beside the database.",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", metavar="NAME", help="Who acts, for the audit trail. Default: STEWARD_USER, your login."
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Steward: register, find, label and serve trained models."""
    ctx.obj = GlobalOptions(uri=uri, artifacts=artifacts, user=user)


def run() -> None:
    """Entry point of the ``steward`` console script and ``python -m steward``."""
    typer.main.get_command(app)(prog_name="steward")
