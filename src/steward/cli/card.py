"""``steward card``: a version's model card: show, edit its sections, review it, export it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from steward.cli.options import JsonOption, open_client, parse_pairs
from steward.cli.output import key_value_table, note, print_json, show
from steward.core.card import SECTION_NAMES, ModelCard, card_to_dict
from steward.core.errors import InvalidInputError

app = typer.Typer(help="Model cards: show, edit, review and export a version's card.", no_args_is_help=True)

RefArg = Annotated[
    str,
    typer.Argument(metavar="MODEL/VERSION", help="The version: churn/3, churn@champion or churn (latest)."),
]
CommentOption = Annotated[
    str, typer.Option("--comment", "-c", metavar="TEXT", help="Why: kept in the audit.")
]


@app.command("show")
def show_card(ctx: typer.Context, ref: RefArg, json: JsonOption = False) -> None:
    """The card: status, human sections and the facts filled from the registry."""
    with open_client(ctx) as client:
        doc = client.card(ref)
    if json:
        print_json(doc)
        return
    details, run = doc["model_details"], doc["validation"]
    metrics = ", ".join(
        f"{m['type']}{' (' + m['slice'] + ')' if m['slice'] else ''}={m['value']:.6g}"
        for m in doc["quantitative_analysis"]["performance_metrics"]
    )
    rows: list[tuple[str, object]] = [
        ("version", f"{details['name']}/{details['version']['name']}"),
        ("status", doc["card_status"]),
        ("owner", ", ".join(o["name"] for o in details["owners"])),
        ("flavor", doc["model_parameters"]["model_architecture"]),
        ("metrics", metrics),
        (
            "validation",
            "none yet" if run is None else f"#{run['run']} {'passed' if run['passed'] else 'failed'}",
        ),
        ("datasets", ", ".join(d["name"] for d in doc["lineage"]["datasets"])),
        ("code commit", doc["lineage"]["code_commit"]),
        ("explanations", ", ".join(doc["explanations"])),
        ("monitoring reference", "none yet" if doc["monitoring_plan"] is None else "stored"),
        ("approvals", ", ".join(f"#{a['id']} {a['target']}: {a['status']}" for a in doc["approvals"])),
        ("risk", f"{doc['risk']['rating']} {doc['risk']['explanation']}".strip()),
        ("intended use", "; ".join(doc["considerations"]["use_cases"])),
        ("out-of-scope use", "; ".join(doc["considerations"]["out_of_scope_uses"])),
        ("business owner", details["business_owner"]),
    ]
    show(key_value_table(rows))


@app.command("edit")
def edit(
    ctx: typer.Context,
    ref: RefArg,
    sections: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            metavar="SECTION=TEXT",
            help=f"A human section to write (repeatable): {', '.join(SECTION_NAMES)}.",
        ),
    ] = None,
    json: JsonOption = False,
) -> None:
    """Write human sections; an approved or submitted card returns to draft."""
    changes = parse_pairs(sections, "--set", "intended_use='Rank customers by churn risk'")
    if not changes:
        raise InvalidInputError(f"Give at least one --set SECTION=TEXT: {', '.join(SECTION_NAMES)}.")
    with open_client(ctx) as client:
        card = client.edit_card(ref, **changes)
    _report(card, json)


@app.command("export")
def export(
    ctx: typer.Context,
    ref: RefArg,
    format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="md, html or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here (default: stdout).")
    ] = None,
) -> None:
    """The card as Markdown, a self-contained HTML page, or JSON (model-card-toolkit fields and more)."""
    with open_client(ctx) as client:
        text = client.export_card(ref, format)
    write_text(text, output)


def write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"Cannot write {output}: {exc.strerror}; choose another --output.") from None
    note(f"Wrote {output}.")


def _transition(action: str, doc: str) -> Any:
    def command(
        ctx: typer.Context, ref: RefArg, comment: CommentOption = "", json: JsonOption = False
    ) -> None:
        with open_client(ctx) as client:
            card = getattr(client, f"{action}_card")(ref, comment=comment)
        _report(card, json)

    command.__doc__ = doc
    return app.command(action)(command)


_transition("submit", "Ask for review (draft -> pending_review); intended_use must be written.")
_transition("approve", "Approve a submitted card (a reviewer who did not last edit it).")
_transition("reject", "Send a submitted card back to draft.")
_transition("archive", "Archive the card; it can no longer change.")


def _report(card: ModelCard, json: bool) -> None:
    if json:
        print_json(card_to_dict(card))
        return
    rows: list[tuple[str, object]] = [
        ("card", card.ref),
        ("status", card.status.value),
        ("edited by", card.edited_by),
        ("reviewed by", card.reviewed_by),
    ]
    show(key_value_table(rows))
