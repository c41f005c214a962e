"""The demo's data plane: the inference server in a thread on a free loopback port, and real HTTP
requests to it.

The server is the one ``steward serve`` runs (:func:`steward.serving.server.create_app`): it reads
the deployment from the store, follows its changes (a canary's weights, an alias move) within a
fraction of a second, and writes every request to the payload log that monitoring reads.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Any

from steward.core.errors import StewardError

if TYPE_CHECKING:
    import pandas as pd

    from steward.app import Steward
    from steward.serving.app import ServingApp
    from steward.settings import Settings

#: Rows per request the demo sends.
BATCH_ROWS = 20
READY_SECONDS = 60.0


class InferenceServer:
    """``with InferenceServer(settings, "churn-demo-api") as server: server.send(frame)``."""

    def __init__(self, settings: Settings, deployment: str) -> None:
        self.settings = settings
        self.deployment = deployment
        self.url = ""
        self.sent = 0  # requests answered, so also the payload-log records to wait for
        self._steward: Steward | None = None
        self._app: ServingApp | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> InferenceServer:
        import uvicorn

        from steward.app import Steward
        from steward.serving.server import create_app, listen

        self._steward = Steward.open(self.settings)
        self._app = create_app(self._steward, self.deployment, payload_log=self.settings.payloads)
        sock = listen("127.0.0.1", 0)
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(self._app, lifespan="on", log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="steward-demo-serve", daemon=True
        )
        self._thread.start()
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        import httpx

        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise StewardError("The demo's inference server stopped while starting.")
            try:
                if httpx.get(f"{self.url}/v2/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise StewardError(f"The demo's inference server was not ready after {READY_SECONDS:.0f} s.")

    def send(self, frame: pd.DataFrame, batch: int = BATCH_ROWS) -> Counter[str]:
        """POST *frame* to ``/invocations`` in requests of *batch* rows; how many rows each version
        answered (from the ``Steward-Model-Version`` header)."""
        import httpx

        answered: Counter[str] = Counter()
        columns = list(frame.columns)
        with httpx.Client(base_url=self.url, timeout=30) as http:
            for start in range(0, len(frame), batch):
                rows = frame.iloc[start : start + batch]
                body = {"dataframe_split": {"columns": columns, "data": rows.values.tolist()}}
                response = http.post("/invocations", json=body)
                if response.status_code != 200:
                    raise StewardError(
                        f"The inference server answered {response.status_code}: {response.text[:200]}"
                    )
                self.sent += 1
                answered[response.headers.get("steward-model-version", "?")] += len(rows)
        return answered

    def wait_logged(self, timeout: float = 30.0) -> None:
        """Wait until every request sent so far is in the payload log (it flushes every second)."""
        log = self._app.payload_log if self._app is not None else None
        if log is None:
            return
        deadline = time.monotonic() + timeout
        while log.written + log.dropped < self.sent:
            if time.monotonic() > deadline:
                raise StewardError(
                    f"Only {log.written} of {self.sent} requests reached the payload log "
                    f"after {timeout:.0f} s."
                )
            time.sleep(0.1)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True  # uvicorn finishes, and the app flushes its payload log
        if self._thread is not None:
            self._thread.join(timeout=60)
        if self._steward is not None:
            self._steward.close()
        self._server = self._thread = self._steward = None
