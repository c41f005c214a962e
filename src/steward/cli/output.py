"""Rendering for the CLI: Rich tables for people, JSON for machines, one line per error.

Results go to stdout; progress, notes and errors go to stderr, so
``steward … --json | jq`` always reads clean JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from steward.core.errors import (
    AuthenticationError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    MissingDependencyError,
    NotFoundError,
    PermissionDeniedError,
    StewardError,
)

#: Exit codes by error class; a subclass takes its nearest listed ancestor's code.
EXIT_CODES: dict[type[StewardError], int] = {
    StewardError: 1,
    InvalidInputError: 2,
    NotFoundError: 3,
    ConflictError: 4,
    PermissionDeniedError: 5,  # PolicyViolationError too
    AuthenticationError: 5,
    IntegrityError: 6,
    MissingDependencyError: 7,
}
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: ``steward validate``: the run was stored, and a check failed or errored.
EXIT_GATE_FAILED = 8

#: What each exit code means, for docs/cli.md.
EXIT_CODE_MEANINGS: dict[int, str] = {
    EXIT_OK: "Success.",
    1: "Any other Steward error, e.g. the control plane cannot be reached.",
    2: "Usage error or invalid input: unknown option, malformed KEY=VALUE, bad model reference, "
    "version, alias, filter or time, missing or unreadable file, unknown file type.",
    3: "Not found: no such model, version, alias or deployment, or a deployment ref that does not resolve.",
    4: "Conflict: the model or deployment already exists, an alias or deployment cannot be rolled back, "
    "the port is in use.",
    5: "Permission denied, or refused by a governance policy.",
    6: "Integrity: stored data does not match its recorded digest.",
    7: "A missing optional dependency; the message names the extra to install.",
    EXIT_GATE_FAILED: "steward validate: the run is stored and a check failed or errored (a failed gate).",
    EXIT_INTERRUPTED: "Interrupted (Ctrl+C).",
}


def exit_code_for(exc: StewardError) -> int:
    """The exit code of *exc*, found by walking its class's MRO."""
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return 1


def error_line(message: str) -> str:
    """One line, whatever the message: newlines folded, prefixed with ``Error:``."""
    text = " ".join(str(message).split())
    return f"Error: {text}"


def print_error(message: str) -> None:
    typer.echo(error_line(message), err=True)


def console(*, stderr: bool = False) -> Console:
    """A console bound to the current stdout or stderr (so test runners capture it)."""
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=False)


def note(message: str) -> None:
    """A one-line remark for the person at the terminal, on stderr."""
    console(stderr=True).print(escape(message), soft_wrap=True)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(*columns: str, title: str | None = None) -> Table:
    """A table with these column headers; time columns, named ``… (UTC)``, never wrap."""
    grid = Table(title=title, title_justify="left", header_style="bold", show_edge=True)
    for column in columns:
        grid.add_column(column, overflow="fold", no_wrap=column.endswith("(UTC)"))
    return grid


def show(*renderables: Any) -> None:
    out = console()
    for item in renderables:
        out.print(item)


def cell(value: object) -> str:
    """Text for a table cell, with Rich markup escaped and ``None`` as a dash."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):
        return escape(when(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return escape(str(value))


def when(value: datetime) -> str:
    """A time in UTC, to the second: ``2026-01-31 12:00:05Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def pairs(values: Mapping[str, object], limit: int | None = None) -> str:
    """``auc=0.91, f1=0.8`` (the first *limit* entries, then ``…``)."""
    items = list(values.items())
    shown = items if limit is None else items[:limit]
    text = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown)
    if limit is not None and len(items) > limit:
        text += ", …"
    return text


def key_value_table(rows: Iterable[tuple[str, object]], title: str | None = None) -> Table:
    grid = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(escape(key), cell(value))
    return grid


def next_page(token: str | None) -> None:
    if token:
        note(f"More results: repeat with --page-token {token}")


class Steps:
    """A progress bar on stderr over a known number of steps; it disappears when done.

    Shown only when stderr is a terminal, so logs and pipes get no control codes.

    >>> with Steps(2) as steps:
    ...     steps.next("Training")
    ...     steps.next("Registering")
    """

    def __init__(self, total: int) -> None:
        err = console(stderr=True)
        self.shown = err.is_terminal
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.task = self.progress.add_task("Starting", total=total)
        self.started = False

    def __enter__(self) -> Steps:
        if self.shown:
            self.progress.start()
        return self

    def next(self, description: str) -> None:
        """Finish the current step (if any) and start the next one."""
        if self.started:
            self.progress.advance(self.task)
        self.started = True
        self.progress.update(self.task, description=description)

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            self.progress.stop()
