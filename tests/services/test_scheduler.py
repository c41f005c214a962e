from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from steward.core.errors import InvalidInputError
from steward.services.scheduler import MonitoringScheduler
from steward.settings import Settings
from tests.payloads import write_payloads

from .conftest import Monitored

T = datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_scheduler_runs_monitored_deployments_on_its_own(monitored: Monitored) -> None:
    m = monitored
    m.app.monitoring.set_reference("churn/1", m.reference, actor="alice")
    m.app.monitoring.configure("churn-api", actor="alice")
    write_payloads(m.payloads, "churn-api", "churn/1", m.reference.head(50), m.model, T)
    scheduler = MonitoringScheduler(lambda: m.app.monitoring, 0.05, actor="scheduler")
    scheduler.start()
    try:
        deadline = time.monotonic() + 60
        while not m.app.monitoring.figures("churn-api", name="rows") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert [f.value for f in m.app.monitoring.figures("churn-api", name="rows")] == [50]
    assert scheduler.ticks >= 1
    assert m.app.monitoring.run("churn-api", actor="alice").files == 0  # nothing left for a manual run


def test_the_interval_is_a_setting_and_zero_turns_it_off(tmp_path: object) -> None:
    assert Settings.resolve("sqlite:///x.db", env={}).monitor_interval == 300
    assert Settings.resolve("sqlite:///x.db", env={"STEWARD_MONITOR_INTERVAL": "0"}).monitor_interval == 0
    with pytest.raises(InvalidInputError, match="monitor_interval"):
        Settings.resolve("sqlite:///x.db", env={"STEWARD_MONITOR_INTERVAL": "soon"})
    off = MonitoringScheduler(lambda: None, 0, actor="scheduler")  # type: ignore[arg-type,return-value]
    off.start()
    assert off._thread is None
