"""On PostgreSQL the kill switch is announced like any deployment change (NOTIFY at commit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward.serving.changes import PostgresChangeListener
from tests.serving.conftest import DEPLOYMENT
from tests.serving.test_changes import Heard, _registered

pytestmark = pytest.mark.postgres


def test_kills_and_revives_are_announced(postgres_url: str, tmp_path: Path) -> None:
    client = _registered(postgres_url, tmp_path / "home")
    client.create_deployment(DEPLOYMENT, "churn@champion", fallback="churn/2")
    heard = Heard()
    listener = PostgresChangeListener(postgres_url)
    listener.start(heard)
    try:
        assert listener.listening.wait(10)
        heard.wait_for(None)
        client.kill_deployment(DEPLOYMENT, reason="incident")
        heard.wait_for(DEPLOYMENT)
        client.revive_deployment(DEPLOYMENT, reason="fixed")
        heard.wait_for(DEPLOYMENT, 2)
        client.kill_version("churn/1", reason="bad weights")  # announced under the model's name
        heard.wait_for("churn")
        client.revive_version("churn/1", reason="fine")
        heard.wait_for("churn", 2)
        with pytest.raises(Exception, match="needs a reason"):  # refused: nothing announced
            client.kill_version("churn/1", reason="")
        assert heard.names.count("churn") == 2 and heard.names.count(DEPLOYMENT) == 2
    finally:
        listener.stop()
        client.close()
