"""Run in spawned processes by test_webhooks.py: a dispatcher draining one webhook, as a second
control plane would."""

from __future__ import annotations

from typing import Any

from steward.services.webhooks import WebhookService
from steward.store import open_store


def drain(url: str, webhook_id: int, last_seq: int, start: Any) -> int:
    """Deliver until the webhook's cursor reaches *last_seq*; how many events this process delivered."""
    store = open_store(url)
    service = WebhookService(store, backoff_base=0.05, backoff_cap=0.2)
    delivered = 0
    try:
        start.wait()
        while True:
            with store.read() as tx:
                if tx.webhooks.get(webhook_id).cursor >= last_seq:
                    return delivered
            delivered += service.deliver_due()
    finally:
        service.close()
        store.close()
