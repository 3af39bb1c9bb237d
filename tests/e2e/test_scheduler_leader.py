"""Two `syncbot serve` processes on PostgreSQL: exactly one runs the scheduler, and a
standby takes over when it dies."""

from __future__ import annotations

import signal

import pytest

from syncbot.testing import wait_until

from .conftest import Service, StartService

LEADING = "leading: this process runs the scheduler"
STANDING_BY = "another process runs the scheduler; standing by"
TAKE_OVER_SECONDS = 15


def wait_for(service: Service, text: str, seconds: float = TAKE_OVER_SECONDS) -> None:
    wait_until(lambda: text in service.log_text(), seconds, f"{text!r} in the log", interval=0.1)


def test_one_of_two_processes_leads_and_a_standby_takes_over(
    start_service: StartService, database_url: str
) -> None:
    if not database_url.startswith("postgres"):
        pytest.skip("several processes need PostgreSQL; SQLite runs one process by design")
    first = start_service(SYNCBOT_LEADER_RETRY_SECONDS="0.5")
    wait_for(first, LEADING)
    second = start_service(SYNCBOT_LEADER_RETRY_SECONDS="0.5")
    wait_for(second, STANDING_BY)
    assert LEADING not in second.log_text()
    assert "scheduler started" in first.log_text()

    assert first.process is not None
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    wait_for(second, LEADING)
    wait_for(second, "scheduler started")


def test_no_scheduler_serves_the_web_part_alone(start_service: StartService) -> None:
    """`SYNCBOT_SCHEDULER=false` (serve --no-scheduler) never tries to lead."""
    service = start_service(SYNCBOT_SCHEDULER="false")
    assert service.client.get("/api/channels").status_code == 200
    wait_for(service, "scheduler off in this process")
    assert LEADING not in service.log_text()
