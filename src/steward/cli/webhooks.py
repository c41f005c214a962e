"""``steward webhooks``: subscribe URLs to events, test them, read their deliveries; ``steward events``."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.options import JsonOption, ReasonOption, open_client
from steward.cli.output import cell, console, note, print_json, show, table
from steward.core.events import EVENT_TYPES, check_patterns
from steward.core.webhooks import Delivery, check_secret, check_url

app = typer.Typer(
    help="Webhooks: POST every matching event, signed, in order, retried until delivered (admins).",
    no_args_is_help=True,
)

IdArg = Annotated[
    int,
    typer.Argument(
        metavar="ID", min=1, help="The webhook's id (`steward webhooks list`).", show_default=False
    ),
]
TypesOption = Annotated[
    str,
    typer.Option(
        "--events",
        "-e",
        metavar="PATTERNS",
        help="Event types or patterns, comma-separated: 'alias.*,deployment.*', or '*' for all "
        "(`steward webhooks types` lists them).",
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Argument(metavar="URL", help="Where to POST: http:// or https://.", show_default=False)
    ],
    events: TypesOption = "",
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret", metavar="S", help="Signing secret (16-200 characters); random when left out."
        ),
    ] = None,
    reason: ReasonOption = "",
    json: JsonOption = False,
) -> None:
    """Subscribe URL to events from now on; prints the signing secret once."""
    check_url(url)
    check_patterns(events)
    if secret is not None:
        check_secret(secret)
    with open_client(ctx) as client:
        made = client.add_webhook(url, events, secret=secret, reason=reason)
    if json:
        print_json(made.to_dict())
        return
    console().print(made.secret, markup=False, highlight=False, soft_wrap=True)
    note(
        f"Webhook {made.webhook.id} delivers {', '.join(made.webhook.events)} to {made.webhook.url}. "
        "The secret above signs every delivery (Steward-Signature: sha256=HMAC of the body): "
        "shown once, store it now."
    )


@app.command("list")
def list_webhooks(ctx: typer.Context, *, json: JsonOption = False) -> None:
    """Every webhook: its events, the last event delivered (cursor) and any retry waiting."""
    with open_client(ctx) as client:
        hooks = client.webhooks()
    if json:
        print_json({"items": [w.to_dict() for w in hooks]})
        return
    if not hooks:
        show("No webhooks. Add one with `steward webhooks add URL --events 'alias.*'`.")
        return
    grid = table("id", "url", "events", "cursor", "retry", "last error")
    for w in hooks:
        retry = f"#{w.attempt + 1} at {cell(w.next_attempt_at)}" if w.next_attempt_at else ""
        grid.add_row(
            cell(w.id), cell(w.url), cell(",".join(w.events)), cell(w.cursor), retry, cell(w.last_error)
        )
    show(grid)


@app.command("remove")
def remove(
    ctx: typer.Context, webhook_id: IdArg, reason: ReasonOption = "", json: JsonOption = False
) -> None:
    """Stop delivering to webhook ID and delete its delivery log (the audit trail keeps the removal)."""
    with open_client(ctx) as client:
        removed = client.remove_webhook(webhook_id, reason=reason)
    if json:
        print_json(removed.to_dict())
        return
    show(f"Removed webhook {removed.id} ({cell(removed.url)}).")


@app.command("test")
def test(ctx: typer.Context, webhook_id: IdArg, json: JsonOption = False) -> None:
    """Send a ping event to webhook ID now and show the answer (exit 1 unless it answers 2xx)."""
    with open_client(ctx) as client:
        done = client.test_webhook(webhook_id)
    if json:
        print_json(done.to_dict())
    elif done.delivered:
        show(f"Delivered {done.delivery_id}: HTTP {done.status_code} in {done.duration_ms:.0f} ms.")
    else:
        answer = f"HTTP {done.status_code}" if done.status_code is not None else done.error
        show(f"Not delivered {done.delivery_id}: {cell(answer)}.")
    if not done.delivered:
        raise typer.Exit(1)


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook_id: IdArg,
    limit: Annotated[int, typer.Option("--max-results", "-n", min=1, max=1000, metavar="N")] = 50,
    json: JsonOption = False,
) -> None:
    """Delivery attempts to webhook ID, newest first: event, delivery id, attempt, answer, next retry."""
    with open_client(ctx) as client:
        found = client.webhook_deliveries(webhook_id, limit=limit)
    if json:
        print_json({"items": [d.to_dict() for d in found]})
        return
    if not found:
        show(f"No deliveries to webhook {webhook_id} yet.")
        return
    grid = table("at (UTC)", "event", "type", "delivery id", "attempt", "answer", "next attempt (UTC)")
    for d in found:
        grid.add_row(
            cell(d.at),
            cell(d.to_dict()["event"]),
            cell(d.type),
            cell(d.delivery_id),
            cell(d.attempt),
            _answer(d),
            cell(d.next_attempt_at) if d.next_attempt_at else "",
        )
    show(grid)


@app.command("types")
def types() -> None:
    """The event types a webhook can subscribe to."""
    for name in EVENT_TYPES:
        console().print(name, markup=False, highlight=False)


def events(
    ctx: typer.Context,
    after: Annotated[
        int, typer.Option("--after", min=0, metavar="SEQ", help="After this seq (evt-SEQ).")
    ] = 0,
    types: Annotated[
        str | None, typer.Option("--types", "-e", metavar="PATTERNS", help="Only these, e.g. 'alias.*'.")
    ] = None,
    limit: Annotated[int, typer.Option("--max-results", "-n", min=1, max=1000, metavar="N")] = 100,
    json: JsonOption = False,
) -> None:
    """The event stream: every state change as a typed event, oldest first (the bodies webhooks get)."""
    if types is not None:
        check_patterns(types)
    with open_client(ctx) as client:
        found = client.events(after=after, types=types, limit=limit)
    if json:
        print_json({"items": [e.body() for e in found]})
        return
    grid = table("id", "time (UTC)", "type", "actor", "subject", "action")
    for e in found:
        grid.add_row(cell(e.id), cell(e.time), cell(e.type), cell(e.actor), cell(e.subject), cell(e.action))
    show(grid)


def _answer(d: Delivery) -> str:
    if d.status_code is not None:
        return f"HTTP {d.status_code}"
    return cell(d.error)
