"""Learn of deployment changes through PostgreSQL: LISTEN on a dedicated connection, in a thread.

The store announces every deployment change and alias move with ``NOTIFY
steward_deployments, '<name>'`` in the change's own transaction
(:func:`steward.store.deployments.announce_change`), so a notification
arrives only once the change is committed and visible. Every replica of
every host that LISTENs learns of it within milliseconds, without polling.

The listener keeps one autocommit psycopg connection outside the store's
pool. When the connection drops (a restart, a failover, an idle timeout) it
reconnects after ``reconnect_delay`` seconds (doubling up to 30 s while the
database stays away) and reports ``None``: changes may have been missed, so
the runtime re-resolves. The runtime's slow poll remains a safety net.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from steward.core.errors import require_extra
from steward.store.deployments import CHANGES_CHANNEL

log = logging.getLogger("steward.serving")

MAX_RECONNECT_DELAY = 30.0


def libpq_url(uri: str) -> str:
    """A store URI as psycopg takes it (``postgresql+psycopg://`` and ``postgres://`` accepted)."""
    scheme, sep, rest = uri.partition("://")
    return f"postgresql{sep}{rest}" if scheme.lower().startswith("postgres") else uri


class PostgresChangeListener:
    """A :class:`~steward.serving.runtime.ChangeFeed` over PostgreSQL LISTEN/NOTIFY."""

    def __init__(self, uri: str, *, reconnect_delay: float = 1.0, wait_seconds: float = 0.5) -> None:
        require_extra("psycopg", "postgres", "Listening for deployment changes on PostgreSQL")
        self._url = libpq_url(uri)
        self.reconnect_delay = reconnect_delay
        self._wait_seconds = wait_seconds  # how often the thread looks up to see whether to stop
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set while LISTEN is active on a live connection (tests and health checks wait for it).
        self.listening = threading.Event()
        self.connections = 0

    def start(self, on_change: Callable[[str | None], None]) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(on_change,), name="steward-listen", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(self._wait_seconds * 4 + 5)

    def _run(self, on_change: Callable[[str | None], None]) -> None:
        import psycopg

        delay = self.reconnect_delay
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=5, application_name="steward-listen"
                ) as connection:
                    connection.execute(f"LISTEN {CHANGES_CHANNEL}")
                    self.connections += 1
                    self.listening.set()
                    delay = self.reconnect_delay
                    on_change(None)  # anything committed while we were not listening
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=self._wait_seconds):
                            on_change(notice.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                if self._stop.is_set():
                    return
                log.warning("lost the PostgreSQL change feed (%s); reconnecting in %.0f s", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_RECONNECT_DELAY)
        self.listening.clear()
