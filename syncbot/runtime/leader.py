"""Leadership: of several `syncbot serve` processes, exactly one runs the scheduler.

On PostgreSQL the leader is whoever holds a session-level advisory lock on a connection of
its own (not Tortoise's pool). PostgreSQL releases the lock when that session ends, so a
leader that dies, is killed, or has its backend terminated hands over without any clean-up:
a standby's next attempt, at most `retry_seconds` later, succeeds. On SQLite there is one
process by design, so it leads at once without a lock.

Between the moment PostgreSQL ends a session and the moment its process notices, two
processes may briefly run the scheduler. The connection is watched (a termination listener
reacts at once when the socket closes; `SELECT 1` every `retry_seconds` catches a silent
server), and pushes are idempotent, so such an overlap never double-applies a change.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from syncbot.store.database import asyncpg_dsn

# Advisory-lock keys. `pg_advisory_lock(bigint)` keys form one space per database. The
# migration lock (syncbot.store.database.MIGRATION_LOCK) is 0x5359_4E43 ("SYNC"), whose high
# 32 bits are zero; a leadership key puts "SYNC" in the high 32 bits and a CRC-32 of its name
# in the low 32 bits, so it can never equal the migration key, whatever the name.
LEADERSHIP_LOCK_BASE = 0x5359_4E43 << 32

# A busy server may take a moment to answer; only an unreachable one never does.
_TIMEOUT_FLOOR_SECONDS = 2.0


def lock_key(name: str) -> int:
    """The advisory-lock key of the leadership called `name` (a positive 64-bit integer)."""
    return LEADERSHIP_LOCK_BASE | zlib.crc32(name.encode())


class _State(enum.Enum):
    IDLE = enum.auto()  # nothing reported since the last change
    LEADING = enum.auto()
    STANDING_BY = enum.auto()
    UNREACHABLE = enum.auto()


class _Outcome(enum.Enum):
    RETURNED = enum.auto()
    FAILED = enum.auto()
    LOST = enum.auto()


class _Lock(Protocol):
    errors: tuple[type[BaseException], ...]  # what acquire raises when the server is away

    async def acquire(self) -> bool: ...
    def on_lost(self, callback: Callable[[], None]) -> None: ...
    async def check(self) -> str | None: ...  # why the lock is no longer held, if it is not
    async def release(self) -> None: ...


class _SoleProcess:
    """SQLite: this is the only process, so the lock is always ours."""

    errors: tuple[type[BaseException], ...] = ()

    async def acquire(self) -> bool:
        return True

    def on_lost(self, callback: Callable[[], None]) -> None:
        pass

    async def check(self) -> str | None:
        return None

    async def release(self) -> None:
        pass


class _AdvisoryLock:
    """PostgreSQL: a session-level advisory lock held on a connection of its own."""

    def __init__(self, dsn: str, key: int, name: str, timeout: float) -> None:
        import asyncpg  # imported here: the postgres extra is optional

        self.errors: tuple[type[BaseException], ...] = (
            OSError,
            TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
        )
        self._asyncpg: Any = asyncpg
        self._dsn = dsn
        self._key = key
        self._name = name
        self._timeout = timeout
        self._connection: Any = None

    async def acquire(self) -> bool:
        connection = await self._asyncpg.connect(
            self._dsn, timeout=self._timeout, server_settings={"application_name": self._name}
        )
        try:
            held: bool = await connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
            )
        except BaseException:
            connection.terminate()  # a lock granted but never reported goes with the session
            raise
        if not held:
            await self._close(connection)
            return False
        self._connection = connection
        return True

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Calls `callback` as soon as the session ends (socket closed, backend terminated)."""
        self._connection.add_termination_listener(lambda _connection: callback())

    async def check(self) -> str | None:
        try:
            await self._connection.fetchval("SELECT 1", timeout=self._timeout)
        except self.errors as error:
            return f"the database stopped answering ({error!r})"
        return None

    async def release(self) -> None:
        """Ends the session, which releases the lock, without waiting on a dead server."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._close(connection)

    async def _close(self, connection: Any) -> None:
        try:
            await connection.close(timeout=self._timeout)
        except self.errors:
            connection.terminate()  # asyncpg has aborted the socket already; this is a no-op


class Leadership:
    """Runs `lead` only while this process holds the scheduler's advisory lock."""

    def __init__(
        self,
        database_url: str,
        *,
        retry_seconds: float = 5.0,
        name: str = "syncbot-scheduler",
        log: logging.Logger | None = None,
    ) -> None:
        scheme = urlsplit(database_url).scheme
        if scheme not in {"sqlite", "postgres", "postgresql"}:
            raise ValueError(f"cannot elect a leader on {scheme}://; use sqlite or postgres")
        timeout = max(retry_seconds, _TIMEOUT_FLOOR_SECONDS)
        self._lock: _Lock = (
            _SoleProcess()
            if scheme == "sqlite"
            else _AdvisoryLock(asyncpg_dsn(database_url), lock_key(name), name, timeout)
        )
        self._retry_seconds = retry_seconds
        self._name = name
        self._log = log or logging.getLogger(__name__)
        self._state = _State.IDLE

    @property
    def leading(self) -> bool:
        return self._state is _State.LEADING

    async def run(self, lead: Callable[[], Awaitable[None]]) -> None:
        """Forever: wait for the lock, run `lead()` until it returns or the lock is lost, then
        wait again. Cancelling run() cancels lead and releases the lock."""
        while True:
            if await self._acquire():
                try:
                    outcome = await self._lead(lead)
                finally:
                    await self._lock.release()
                if outcome is _Outcome.RETURNED:
                    return
            await asyncio.sleep(self._retry_seconds)

    async def _acquire(self) -> bool:
        try:
            held = await self._lock.acquire()
        except self._lock.errors as error:
            if self._enter(_State.UNREACHABLE):
                self._log.warning(
                    "cannot reach the database to elect the scheduler (%r); retrying every %s s",
                    error,
                    self._retry_seconds,
                )
            return False
        if not held and self._enter(_State.STANDING_BY):
            self._log.info("another process runs the scheduler; standing by")
        return held

    async def _lead(self, lead: Callable[[], Awaitable[None]]) -> _Outcome:
        """Runs `lead` until it ends or the lock is lost; the caller releases the lock."""

        async def scheduler() -> None:
            await lead()

        task = asyncio.create_task(scheduler(), name=self._name)
        lost: list[str] = []

        def stop(reason: str) -> None:
            if not task.done():  # a loss after lead() ended changes nothing
                lost.append(reason)
                task.cancel()

        self._lock.on_lost(lambda: stop("the connection holding the lock closed"))
        self._enter(_State.LEADING)
        self._log.info("leading: this process runs the scheduler")
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=self._retry_seconds)
                if not task.done() and (reason := await self._lock.check()) is not None:
                    stop(reason)
        finally:
            task.cancel()  # a no-op when lead() has ended; otherwise run() is being cancelled
            await asyncio.wait({task})
            self._enter(_State.IDLE)
        return self._outcome(task, lost)

    def _outcome(self, task: asyncio.Task[None], lost: list[str]) -> _Outcome:
        error = None if task.cancelled() else task.exception()
        if lost:
            self._log.warning(
                "lost the scheduler lock: %s; the scheduler stopped", lost[0], exc_info=error
            )
            return _Outcome.LOST
        if task.cancelled():
            self._log.error("the scheduler cancelled itself; retrying in %s s", self._retry_seconds)
            return _Outcome.FAILED
        if error is not None:
            self._log.error(
                "the scheduler failed; releasing the lock and retrying in %s s",
                self._retry_seconds,
                exc_info=error,
            )
            return _Outcome.FAILED
        return _Outcome.RETURNED

    def _enter(self, state: _State) -> bool:
        """Moves to `state`; True when that is a change worth reporting."""
        changed = state is not self._state
        self._state = state
        return changed


async def leader_session(database_url: str, name: str = "syncbot-scheduler") -> str | None:
    """Who holds the scheduler's lock now, as `pid N (application, client, since …)`, or None
    when nobody does. PostgreSQL only: on SQLite the serving process leads, with no lock.

    A bigint advisory key shows in pg_locks split in two: classid holds its high 32 bits,
    objid its low 32 bits, and objsubid is 1. Keys are per database, as the lock is: another
    installation on the same server has its own leader.
    """
    import asyncpg  # imported here: the postgres extra is optional

    key, timeout = lock_key(name), _TIMEOUT_FLOOR_SECONDS
    connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=timeout)
    try:
        row = await connection.fetchrow(
            """
            SELECT a.pid, a.application_name, a.client_addr::text AS client, a.backend_start
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = $1 AND l.objid::bigint = $2
            """,
            key >> 32,
            key & 0xFFFF_FFFF,
            timeout=timeout,
        )
    finally:
        await connection.close(timeout=timeout)
    if row is None:
        return None
    since = row["backend_start"].strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    where = f", from {row['client']}" if row["client"] else ""
    return f"pid {row['pid']} ({row['application_name'] or 'no name'}{where}, since {since})"
