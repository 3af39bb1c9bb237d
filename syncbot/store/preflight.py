"""Checks a database before Tortoise opens it: a bad URL fails in seconds, in one line.

Tortoise cannot be trusted with an unusable database: when aiosqlite fails to open a file
(a directory, a file under /proc, a file that is not a database), Tortoise's connection
wrapper keeps its lock, and the next query waits on that lock forever. So the database is
probed first, with the driver itself and a timeout, and every failure is a
`DatabaseUnusable` whose message names SYNCBOT_DATABASE_URL (with its password hidden).

    DatabaseUnusable       the URL names nothing we can open; fix SYNCBOT_DATABASE_URL
    └── SchemaBehind       it opens, but `syncbot migrate` has not been run (or not lately)
        └── DatabaseMissing    the SQLite file does not exist yet
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

from syncbot.logs import redact_url
from syncbot.store.database import APP, MIGRATIONS, asyncpg_dsn

PROBE_SECONDS = 4.0  # under the 5 s in which a bad URL must have stopped the command
INSTALL_POSTGRES = "pip install 'syncbot[postgres]'"


class DatabaseUnusable(Exception):
    """The database named by SYNCBOT_DATABASE_URL cannot be used; the message says why."""

    def __init__(self, database_url: str, problem: str) -> None:
        super().__init__(f"SYNCBOT_DATABASE_URL={redact_url(database_url)}: {problem}")


class SchemaBehind(DatabaseUnusable):
    """The database is missing or lacks migrations this syncbot has: run `syncbot migrate`."""


class DatabaseMissing(SchemaBehind):
    """No SQLite file at the path yet: `syncbot migrate` creates it."""


def sqlite_path(database_url: str) -> Path:
    parts = urlsplit(database_url)
    return Path(unquote(parts.netloc + parts.path))


def package_migrations() -> list[str]:
    """The migrations this syncbot ships, in order (`0001_initial`, ...)."""
    package = importlib.import_module(MIGRATIONS)
    return sorted(module.name for module in pkgutil.iter_modules(package.__path__))


async def check_usable(database_url: str) -> None:
    """For `migrate` and `serve`: the database opens (SQLite may create its file) and answers."""
    await _within_deadline(database_url, _probe(database_url, create=True))


async def require_schema(database_url: str) -> list[str]:
    """For every other command: the database exists and holds every migration; never writes.
    Returns the names of the migrations applied."""
    return await _within_deadline(database_url, _probe(database_url, create=False))


async def _within_deadline(database_url: str, probe: asyncio.Future[list[str]]) -> list[str]:
    try:
        return await asyncio.wait_for(probe, PROBE_SECONDS)
    except TimeoutError as error:
        raise DatabaseUnusable(
            database_url, f"no answer within {PROBE_SECONDS:g} s (is the server up?)"
        ) from error


def _probe(database_url: str, *, create: bool) -> asyncio.Future[list[str]]:
    if database_url.startswith("sqlite://"):
        # A thread, so that the deadline holds even when the file system does not answer.
        return asyncio.ensure_future(asyncio.to_thread(_probe_sqlite, database_url, create))
    return asyncio.ensure_future(_probe_postgres(database_url, create))


def _probe_sqlite(database_url: str, create: bool) -> list[str]:
    path = sqlite_path(database_url)
    if path.is_dir():
        raise DatabaseUnusable(database_url, f"{path} is a directory, not a database file")
    if not path.exists():
        if not create:
            raise DatabaseMissing(database_url, f"no database at {path}: run `syncbot migrate`")
    elif not path.is_file():
        raise DatabaseUnusable(database_url, f"{path} is not a regular file")
    # Read-only opening never creates the file; read-write opening is what serve needs.
    mode = "rwc" if create else "ro"
    try:
        connection = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=1.0)
    except sqlite3.Error as error:
        raise DatabaseUnusable(
            database_url, f"cannot open {path}: {error} (can this user write to {path.parent}?)"
        ) from error
    try:
        # Reading the schema reads the file's header: "file is not a database" shows here.
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if create:
            # A write needs the directory too (the WAL files live beside the database).
            connection.execute("PRAGMA journal_mode=WAL").fetchone()
            connection.execute("CREATE TEMP TABLE syncbot_probe (x)")
            return []
        return _sqlite_applied(connection, database_url)
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            return []  # another syncbot is writing: the file is a database in use
        hint = f" (SQLite writes beside the file: can this user write to {path.parent}?)"
        raise DatabaseUnusable(
            database_url, f"cannot use {path}: {error}" + (hint if "readonly" in str(error) else "")
        ) from error
    except sqlite3.DatabaseError as error:
        raise DatabaseUnusable(database_url, f"cannot use {path}: {error}") from error
    finally:
        connection.close()


def _sqlite_applied(connection: sqlite3.Connection, database_url: str) -> list[str]:
    tables = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tortoise_migrations'"
    ).fetchall()
    applied = [row[0] for row in connection.execute(_APPLIED, (APP,))] if tables else []
    _require_current(database_url, applied)
    return applied


_APPLIED = "SELECT name FROM tortoise_migrations WHERE app = ?"


async def _probe_postgres(database_url: str, create: bool) -> list[str]:
    try:
        import asyncpg
    except ImportError as error:
        raise DatabaseUnusable(
            database_url, f"PostgreSQL needs the asyncpg driver: {INSTALL_POSTGRES}"
        ) from error
    try:
        connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=PROBE_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise DatabaseUnusable(database_url, f"cannot connect: {_one_line(error)}") from error
    try:
        if create:
            return []
        exists = await connection.fetchval("SELECT to_regclass('public.tortoise_migrations')")
        applied = (
            [row["name"] for row in await connection.fetch(_APPLIED.replace("?", "$1"), APP)]
            if exists
            else []
        )
        _require_current(database_url, applied)
        return applied
    finally:
        await connection.close()


def _require_current(database_url: str, applied: list[str]) -> None:
    if not applied:
        raise SchemaBehind(database_url, "the database is not set up: run `syncbot migrate`")
    pending = [name for name in package_migrations() if name not in set(applied)]
    if pending:
        raise SchemaBehind(
            database_url,
            f"the database lacks {len(pending)} migration(s), the first {pending[0]}: "
            "run `syncbot migrate`",
        )


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
