"""``steward evidence``: a version's compliance evidence pack, as one HTML file or a ZIP."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.cli.options import open_client
from steward.cli.output import note
from steward.core.errors import InvalidInputError
from steward.core.registry import ModelRef


def evidence(
    ctx: typer.Context,
    ref: Annotated[
        str, typer.Argument(metavar="MODEL/VERSION", help="The version: churn/3, churn@champion or churn.")
    ],
    zip: Annotated[bool, typer.Option("--zip", help="A ZIP of the JSON parts and the HTML page.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Default: MODEL-VERSION-evidence.html|zip here."),
    ] = None,
) -> None:
    """Write the card, lineage, validation, approvals, policies, audit excerpt and monitoring plan,
    each mapped to the SR 11-7 and EU AI Act Annex IV headings it serves."""
    fmt = "zip" if zip else "html"
    parsed = ModelRef.parse(ref)
    with open_client(ctx) as client:
        body = client.evidence(ref, format=fmt)
    label = parsed.version if parsed.version is not None else (parsed.alias or "latest")
    target = output or Path(f"{parsed.model}-{label}-evidence.{fmt}")
    try:
        target.write_bytes(body)
    except OSError as exc:
        raise InvalidInputError(f"Cannot write {target}: {exc.strerror}; choose another --output.") from None
    note(f"Wrote {target} ({len(body):,} bytes).")
