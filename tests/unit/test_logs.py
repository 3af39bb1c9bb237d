"""Logs are one JSON object per line with their context; routine job runs stay at DEBUG,
failures are loud, and no part of a password is ever shown."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from syncbot.logs import JsonFormatter, quiet_routine_logs, redact_url
from syncbot.store.database import tortoise_config
from syncbot.testing import eventually


def test_a_log_line_is_json_with_its_context() -> None:
    record = logging.makeLogRecord(
        {"name": "syncbot.store", "levelname": "WARNING", "msg": "key %s reused", "args": ("k",)}
    )
    record.idempotency_key = "k"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "key k reused"
    assert line["level"] == "warning"
    assert line["idempotency_key"] == "k"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://app:s3cr3t-pw@db:5432/syncbot", "postgres://app:***@db:5432/syncbot"),
        (
            "postgres://app:p%40ss@db/syncbot?sslmode=require",
            "postgres://app:***@db/syncbot?sslmode=require",
        ),
        ("postgres://app@db/syncbot", "postgres://app@db/syncbot"),
        ("sqlite:///var/lib/syncbot.db", "sqlite:///var/lib/syncbot.db"),
    ],
)
def test_redact_url_hides_the_whole_password_and_nothing_else(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_tortoise_is_given_no_password_it_could_log() -> None:
    """Tortoise logs its config at DEBUG, starring out only 2/3 of a password: it never
    gets one as text, only a function asyncpg calls when it connects."""
    config = tortoise_config("postgres://app:s3cr3t-pw@db:5432/syncbot")

    assert "s3cr3t" not in repr(config)
    credentials = config["connections"]["default"]["credentials"]  # type: ignore[index]
    assert credentials["password"]() == "s3cr3t-pw"


async def _run_two_jobs(scheduler: AsyncIOScheduler, ran: list[str]) -> None:
    def fine() -> None:
        ran.append("fine")

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("the channel is down")

    now = datetime.now(UTC)
    scheduler.add_job(fine, "date", run_date=now, id="fine")
    scheduler.add_job(broken, "date", run_date=now, id="broken")
    scheduler.start()
    try:
        await eventually(lambda: len(ran) == 2, what="both jobs ran")
        await eventually(lambda: not scheduler.get_jobs(), what="both jobs finished")
    finally:
        scheduler.shutdown(wait=False)


async def test_job_runs_are_not_logged_at_info_and_failures_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At INFO: no "Running job"/"executed successfully" lines, but the failure at ERROR."""
    quiet_routine_logs()
    ran: list[str] = []
    with caplog.at_level(logging.INFO):
        await _run_two_jobs(AsyncIOScheduler(timezone=UTC), ran)

    scheduler_lines = [r for r in caplog.records if r.name.startswith("apscheduler")]
    assert [r for r in scheduler_lines if r.levelno == logging.INFO] == []
    [failure] = [r for r in scheduler_lines if r.levelno >= logging.WARNING]
    assert failure.levelno == logging.ERROR
    assert "raised an exception" in failure.getMessage()


async def test_job_runs_are_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    quiet_routine_logs()
    ran: list[str] = []
    with caplog.at_level(logging.DEBUG):
        await _run_two_jobs(AsyncIOScheduler(timezone=UTC), ran)

    running = [r for r in caplog.records if r.getMessage().startswith("Running job")]
    assert len(running) == 2
    assert {r.levelname for r in running} == {"DEBUG"}
