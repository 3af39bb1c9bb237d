"""Database fixtures: every integration test runs on SQLite and on PostgreSQL.

PostgreSQL is the server named by SYNCBOT_TEST_POSTGRES_URL (default: the local trust-auth
server). Each test session creates its own database and drops it at the end. When the
server cannot be reached, PostgreSQL tests are skipped, except under CI=true, where they
fail: CI must never pass by skipping the backend that matters most.

The default URL carries a canary password (trust authentication accepts any), and every
test fails if any log record, at any level, holds any part of it: no code path may log a
password, Tortoise's start-up line at DEBUG included.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from syncbot.store.database import close_database, declare_locations, migrate, open_database

CANARY = "pw~c4n4ry-5ecr3t"
"""A password no log may show any part of (its first 4 characters are enough to fail).
Its "~" is in no hex or base64 alphabet, so no random hash, token or key a log shows can
spell those 4 characters by chance (with "pw8c", an argon2 hash in a DEBUG line once did)."""
POSTGRES_ADMIN_URL = os.environ.get(
    "SYNCBOT_TEST_POSTGRES_URL", f"postgres://postgres:{CANARY}@127.0.0.1:5432/postgres"
)
# Loggers that could see a database URL or its parts, watched at DEBUG for the canary.
WATCHED_LOGGERS = ("syncbot", "connectors", "tortoise", "asyncpg", "uvicorn", "apscheduler")
TEST_LOCATIONS = ("main", "east")


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(
        POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://", 1), timeout=5
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class CanaryWatch(logging.Handler):
    """Keeps every log record that shows any part of the canary password."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: check its parts instead
            text = f"{record.msg} {record.args}"
        if record.exc_info and record.exc_info[1] is not None:
            text += repr(record.exc_info[1])
        if CANARY[:4] in text:
            self.leaks.append(f"{record.name} {record.levelname}: {text[:300]}")


@pytest.fixture(scope="session")
def canary_watch() -> Iterator[CanaryWatch]:
    """The watcher on the root logger, with the watched loggers opened to DEBUG."""
    watch = CanaryWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    levels = {name: logging.getLogger(name).level for name in WATCHED_LOGGERS}
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield watch
    root.removeHandler(watch)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="session")
def canary() -> str:
    """The canary password, for tests that put it in a URL themselves."""
    return CANARY


@pytest.fixture(autouse=True)
def no_password_in_logs(canary_watch: CanaryWatch) -> Iterator[None]:
    """Every test: no log record held any part of the canary password."""
    canary_watch.leaks.clear()
    yield
    if canary_watch.leaks:
        pytest.fail("a password reached the logs:\n" + "\n".join(canary_watch.leaks))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies: migrating once keeps tests fast."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(migrate(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this session."""
    name = f"syncbot_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    url = _with_database(POSTGRES_ADMIN_URL, name)
    asyncio.run(migrate(url))
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "syncbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite://{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(truncate_postgres(url))
    return url


async def truncate_postgres(url: str) -> None:
    """Empties every ledger table (TRUNCATE fires no row triggers, so movements go too)."""
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'tortoise_migrations'"
        )
        names = ", ".join(f'"{table["tablename"]}"' for table in tables)
        await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    """The ORM opened on an empty database with locations main and east."""
    await open_database(database_url)
    await declare_locations(TEST_LOCATIONS)
    try:
        yield database_url
    finally:
        await close_database()
