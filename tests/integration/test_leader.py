"""Exactly one process runs the scheduler; when it goes, another takes over."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest

from syncbot.runtime.leader import Leadership, lock_key
from syncbot.store.database import connection_url, migrate
from syncbot.testing import eventually as polled
from syncbot.testing import wait_until as polled_in_thread

RETRY = 0.2
DEADLINE = 10.0
STANDING_BY = "another process runs the scheduler; standing by"


class Schedulers:
    """Fake schedulers that record who runs, and whether two ever ran at once."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.events: list[str] = []
        self.overlapped = False

    def lead(self, who: str) -> Callable[[], Awaitable[None]]:
        async def run_until_cancelled() -> None:
            self.running.add(who)
            self.overlapped |= len(self.running) > 1
            self.events.append(f"{who} started")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.events.append(f"{who} cancelled")
                raise
            finally:
                self.running.discard(who)

        return run_until_cancelled


async def eventually(condition: Callable[[], bool], what: str) -> None:
    await polled(condition, DEADLINE, what, interval=0.01)


def messages(caplog: pytest.LogCaptureFixture, logger: str, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger and r.getMessage().startswith(text)]


@asynccontextmanager
async def running(
    leadership: Leadership, lead: Callable[[], Awaitable[None]]
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(leadership.run(lead))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.wait({task})


def leadership(url: str, who: str, retry_seconds: float = RETRY) -> Leadership:
    return Leadership(url, retry_seconds=retry_seconds, log=logging.getLogger(who))


async def lock_holders(url: str) -> list[int]:
    """The backend pids holding the scheduler's advisory lock in this database."""
    key = lock_key("syncbot-scheduler")
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = $1 AND objid = $2 AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            key >> 32,
            key & 0xFFFF_FFFF,
        )
        return [row["pid"] for row in rows]
    finally:
        await connection.close()


class TestPostgresInOneProcess:
    async def test_exactly_one_leads_and_the_other_takes_over_when_it_is_cancelled(
        self, postgres_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The advisory lock admits one leader; a cancelled run() releases it at once."""
        caplog.set_level(logging.INFO)
        schedulers = Schedulers()
        first, second = leadership(postgres_url, "first"), leadership(postgres_url, "second")
        async with (
            running(first, schedulers.lead("first")) as first_run,
            running(second, schedulers.lead("second")) as second_run,
        ):
            await eventually(lambda: first.leading or second.leading, "one leads")
            if first.leading:
                leader, leader_name, leader_run = first, "first", first_run
                standby, standby_name = second, "second"
            else:
                leader, leader_name, leader_run = second, "second", second_run
                standby, standby_name = first, "first"
            await eventually(
                lambda: bool(messages(caplog, standby_name, STANDING_BY)), "the other stands by"
            )
            await asyncio.sleep(5 * RETRY)  # several retries, each refused
            assert not standby.leading
            assert len(schedulers.running) == 1
            assert len(messages(caplog, standby_name, STANDING_BY)) == 1

            leader_run.cancel()
            await asyncio.wait({leader_run})
            assert not leader.leading
            await eventually(
                lambda: standby.leading and schedulers.running == {standby_name},
                "the standby leads",
            )
        assert not schedulers.overlapped
        assert schedulers.events[:3] == [
            f"{leader_name} started",
            f"{leader_name} cancelled",
            f"{standby_name} started",
        ]

    async def test_a_terminated_backend_stops_the_leader_and_the_standby_takes_over(
        self, postgres_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """pg_terminate_backend ends the session: its lead is cancelled and the lock moves."""
        caplog.set_level(logging.INFO)
        schedulers = Schedulers()
        # The first retries slowly once it has lost the lock, so the standby is the one to win.
        first = leadership(postgres_url, "first", retry_seconds=5.0)
        second = leadership(postgres_url, "second")
        async with running(first, schedulers.lead("first")):
            await eventually(lambda: first.leading, "the first leads")
            async with running(second, schedulers.lead("second")):
                await eventually(
                    lambda: bool(messages(caplog, "second", STANDING_BY)), "the second stands by"
                )
                [backend] = await lock_holders(postgres_url)
                admin = await asyncpg.connect(postgres_url.replace("postgres://", "postgresql://"))
                try:
                    assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
                finally:
                    await admin.close()

                await eventually(lambda: not first.leading, "the first stops leading")
                assert "first cancelled" in schedulers.events
                # Noticed when the socket closed, not at the next check, 5 s away.
                assert messages(caplog, "first", "lost the scheduler lock: the connection")
                await eventually(
                    lambda: second.leading and schedulers.running == {"second"}, "the second leads"
                )
        # No overlap assertion: PostgreSQL frees the lock a moment before the socket closes,
        # so the two may overlap for that moment (see the module docstring of leader.py).

    async def test_a_failing_lead_is_logged_releases_the_lock_and_is_retried(
        self, postgres_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """While the failed leader waits to retry, a standby can take the lock."""
        caplog.set_level(logging.INFO)
        schedulers = Schedulers()
        fail_now = asyncio.Event()
        calls: list[str] = []

        async def fails_once() -> None:
            calls.append("called")
            if len(calls) == 1:
                await fail_now.wait()
                raise RuntimeError("the sweep broke")
            await schedulers.lead("first")()

        first = leadership(postgres_url, "first", retry_seconds=1.0)
        second = leadership(postgres_url, "second")
        async with running(first, fails_once):
            await eventually(lambda: first.leading, "the first leads")
            async with running(second, schedulers.lead("second")) as second_run:
                await eventually(
                    lambda: bool(messages(caplog, "second", STANDING_BY)), "the second stands by"
                )
                fail_now.set()
                await eventually(lambda: second.leading, "the second leads")
                [failure] = messages(caplog, "first", "the scheduler failed")
                assert failure.levelno == logging.ERROR
                assert failure.exc_info is not None
                assert str(failure.exc_info[1]) == "the sweep broke"

                second_run.cancel()
                await eventually(lambda: first.leading, "the first leads again")
                await eventually(lambda: schedulers.running == {"first"}, "the retry runs")
        assert len(calls) == 2
        assert not schedulers.overlapped

    async def test_a_lead_that_returns_ends_run_and_releases_the_lock(
        self, postgres_url: str
    ) -> None:
        """A scheduler that finishes leaves no lock behind for a standby to wait on."""
        seen: list[list[int]] = []
        solo = leadership(postgres_url, "solo")

        async def look() -> None:
            seen.append(await lock_holders(postgres_url))

        await asyncio.wait_for(solo.run(look), DEADLINE)
        assert len(seen[0]) == 1
        assert not solo.leading
        assert await lock_holders(postgres_url) == []

    async def test_a_url_with_tortoise_pool_options_still_elects(self, postgres_url: str) -> None:
        """Pool options are Tortoise's; asyncpg would send them to the server and fail."""
        seen: list[bool] = []
        pooled = leadership(connection_url(postgres_url), "pooled")

        async def lead() -> None:
            seen.append(pooled.leading)

        await asyncio.wait_for(pooled.run(lead), DEADLINE)
        assert seen == [True]

    async def test_the_scheduler_lock_does_not_block_migrations(self, postgres_url: str) -> None:
        """The two advisory-lock keys differ, so a leader never delays a starting process."""
        first = leadership(postgres_url, "first")
        async with running(first, Schedulers().lead("first")):
            await eventually(lambda: first.leading, "the first leads")
            await asyncio.wait_for(migrate(postgres_url), DEADLINE)
            assert first.leading


LEADER_SCRIPT = """
import asyncio, logging, os, sys, time
from syncbot.runtime.leader import Leadership

url, writes, log = sys.argv[1:]
logging.basicConfig(filename=log, level=logging.INFO, format="%(process)d %(message)s")

async def lead():
    while True:
        with open(writes, "a") as file:
            file.write(f"{os.getpid()} {time.time()}\\n")
        await asyncio.sleep(0.1)

asyncio.run(Leadership(url, retry_seconds=0.2).run(lead))
"""


def wait_until(condition: Callable[[], bool], what: str) -> None:
    polled_in_thread(condition, DEADLINE, what)


def read_writes(path: Path) -> list[tuple[int, float]]:
    """The (pid, time) of each complete line; a line being written is left for later."""
    if not path.exists():
        return []
    lines = [line.split() for line in path.read_text().split("\n")[:-1]]
    return [(int(pid), float(at)) for pid, at in lines]


@contextmanager
def processes(*commands: list[str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [subprocess.Popen(command) for command in commands]
    try:
        yield started
    finally:
        for process in started:
            process.kill()
            process.wait()


def test_a_killed_leader_process_is_replaced_and_the_two_never_overlap(
    postgres_url: str, tmp_path: Path
) -> None:
    """SIGKILL drops the leader's connection, PostgreSQL frees the lock, the standby leads."""
    script, writes, log = tmp_path / "lead.py", tmp_path / "writes.txt", tmp_path / "log.txt"
    script.write_text(LEADER_SCRIPT)
    command = [sys.executable, str(script), postgres_url, str(writes), str(log)]
    with processes(command, command) as (one, two):
        wait_until(lambda: log.exists() and STANDING_BY in log.read_text(), "one stands by")
        wait_until(lambda: len(read_writes(writes)) >= 3, "the leader writes")
        leader_pid = read_writes(writes)[0][0]
        assert {pid for pid, _ in read_writes(writes)} == {leader_pid}
        leader, standby = (one, two) if one.pid == leader_pid else (two, one)

        killed_at = time.time()
        os.kill(leader.pid, signal.SIGKILL)
        leader.wait()
        wait_until(
            lambda: any(pid == standby.pid for pid, _ in read_writes(writes)), "the standby writes"
        )
        record = read_writes(writes)

    pids = [pid for pid, _ in record]
    handover = pids.index(standby.pid)
    assert pids == [leader.pid] * handover + [standby.pid] * (len(pids) - handover)
    standby_first_write = min(at for pid, at in record if pid == standby.pid)
    assert max(at for pid, at in record if pid == leader.pid) < standby_first_write
    assert standby_first_write > killed_at


class TestWithoutPostgres:
    async def test_sqlite_leads_at_once_without_a_lock(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One process by design: no waiting, and no database is opened to elect it."""
        caplog.set_level(logging.INFO)
        database = tmp_path / "syncbot.db"
        solo = leadership(f"sqlite://{database}", "solo", retry_seconds=3600)
        seen: list[bool] = []

        async def lead() -> None:
            seen.append(solo.leading)

        await asyncio.wait_for(solo.run(lead), DEADLINE)
        assert seen == [True]
        assert not solo.leading
        assert messages(caplog, "solo", "leading: this process runs the scheduler")
        assert not database.exists()

    async def test_sqlite_retries_a_lead_that_failed(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A failure is logged with its traceback, and the scheduler is started again."""
        solo = leadership(f"sqlite://{tmp_path / 'syncbot.db'}", "solo", retry_seconds=0.01)
        calls: list[str] = []

        async def fails_once() -> None:
            calls.append("called")
            if len(calls) == 1:
                raise RuntimeError("the sweep broke")

        await asyncio.wait_for(solo.run(fails_once), DEADLINE)
        assert len(calls) == 2
        [failure] = messages(caplog, "solo", "the scheduler failed")
        assert failure.exc_info is not None

    async def test_an_unreachable_server_is_reported_once_and_retried_without_crashing(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A bound but unlistening port refuses every connection, like a server that is down."""
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
            down = leadership(f"postgres://postgres@127.0.0.1:{port}/postgres", "down", 0.02)
            async with running(down, Schedulers().lead("down")) as run:
                await eventually(
                    lambda: bool(messages(caplog, "down", "cannot reach the database")), "a warning"
                )
                await asyncio.sleep(20 * 0.02)  # many more attempts, each refused
                assert not run.done()
                assert not down.leading
        assert len(messages(caplog, "down", "cannot reach the database")) == 1

    def test_an_unknown_database_is_refused_loudly(self) -> None:
        """Leadership is defined for SQLite and PostgreSQL only."""
        with pytest.raises(ValueError, match="mysql"):
            Leadership("mysql://root@localhost/syncbot")
