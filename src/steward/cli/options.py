"""What every command shares: the global options, the client they open, ``KEY=VALUE`` parsing.

The root callback stores the global options on the Click context; commands
read them back with :func:`globals_of` and open a :class:`~steward.Client`
with :func:`open_client`. Nothing is kept at module level.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from steward.core.errors import InvalidInputError
from steward.settings import Settings

if TYPE_CHECKING:
    from steward.sdk.client import Client


@dataclass(frozen=True)
class GlobalOptions:
    uri: str | None = None
    artifacts: str | None = None
    user: str | None = None

    def settings(self, uri: str | None = None) -> Settings:
        """Resolve settings: explicit options, then STEWARD_* variables, the config file, defaults."""
        return Settings.resolve(uri or self.uri, artifacts=self.artifacts, actor=self.user)


def globals_of(ctx: typer.Context) -> GlobalOptions:
    found = ctx.find_object(GlobalOptions)
    return found if found is not None else GlobalOptions()


@contextmanager
def open_client(ctx: typer.Context) -> Iterator[Client]:
    """A client for the URI the user chose, closed when the command ends."""
    from steward.sdk.client import Client

    with Client(settings=globals_of(ctx).settings()) as client:
        yield client


def parse_pairs(values: Sequence[str] | None, option: str, example: str = "team=risk") -> dict[str, str]:
    """``["team=risk", "tier=1"]`` into a dict; a malformed item is an InvalidInputError."""
    out: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInputError(f"Bad {option} {item!r}: write KEY=VALUE, e.g. {option} {example}.")
        if key in out:
            raise InvalidInputError(f"{option} {key!r} is given twice; give each key once.")
        out[key] = value
    return out


def parse_metrics(values: Sequence[str] | None) -> dict[str, float]:
    """``["auc=0.91"]`` into ``{"auc": 0.91}``; values must be finite numbers."""
    out: dict[str, float] = {}
    for key, text in parse_pairs(values, "--metric", "auc=0.91").items():
        try:
            number = float(text)
        except ValueError:
            raise InvalidInputError(
                f"Bad --metric {key}={text!r}: the value must be a number, e.g. --metric {key}=0.91."
            ) from None
        if not math.isfinite(number):
            raise InvalidInputError(f"Bad --metric {key}={text}: record only finite, measured values.")
        out[key] = number
    return out


# -- option types reused across command groups --------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")]
FilterOption = Annotated[
    str | None,
    typer.Option(
        "--filter",
        "-f",
        metavar="FILTER",
        help="Search filter, e.g. \"name LIKE 'churn%' AND tags.team = 'risk'\".",
    ),
]
OrderByOption = Annotated[
    list[str] | None,
    typer.Option(
        "--order-by",
        metavar="KEY",
        help="Sort key, e.g. 'created_at DESC' or 'metrics.auc DESC' (repeatable).",
    ),
]
MaxResultsOption = Annotated[
    int, typer.Option("--max-results", "-n", min=1, max=1000, metavar="N", help="At most this many results.")
]
PageTokenOption = Annotated[
    str | None,
    typer.Option("--page-token", metavar="TOKEN", help="Continue from the token a previous page printed."),
]
ReasonOption = Annotated[
    str, typer.Option("--reason", "-r", metavar="TEXT", help="Why: recorded in the audit trail.")
]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag KEY=VALUE (repeatable).")
]
