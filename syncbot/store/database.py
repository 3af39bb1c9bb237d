"""Database set-up: the Tortoise config for a URL, migrations, and the declared locations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as tortoise_migrate

from syncbot.store.models import Location

APP = "syncbot"
MIGRATION_LOCK = 0x5359_4E43  # "SYNC": the advisory lock key serialising migrations
MODELS = [
    "syncbot.store.models",
    "syncbot.store.sync_models",
    "syncbot.store.people_models",
    "syncbot.store.slack_models",
    "syncbot.store.purchasing_models",
    "syncbot.store.stocktake_models",
    "syncbot.store.demand_models",
    "syncbot.store.bundle_models",
    "syncbot.store.checkpoint_models",
]
MIGRATIONS = "syncbot.migrations"

# SQLite waits this long for a lock instead of failing at once with "database is locked".
SQLITE_PRAGMAS = {"journal_mode": "WAL", "busy_timeout": "15000", "synchronous": "NORMAL"}
# A small pool beats a large one on hot balance rows: in one measurement pool 5 was about
# twice as fast as pool 20, the extra connections only queueing on the same row locks.
POSTGRES_POOL = {"minsize": "1", "maxsize": "5"}
# Tortoise's SQLite engine with transactions that take the write lock as they begin: see there.
SQLITE_ENGINE = "syncbot.store.sqlite_engine"
# Tortoise's asyncpg engine with a pool that does not reset sessions: see there.
POSTGRES_ENGINE = "syncbot.store.postgres_engine"


def connection_url(database_url: str) -> str:
    """The URL Tortoise opens: our defaults for pragmas or pool, the user's values winning."""
    parts = urlsplit(database_url)
    defaults = SQLITE_PRAGMAS if parts.scheme == "sqlite" else POSTGRES_POOL
    query = {**defaults, **dict(parse_qsl(parts.query))}
    return urlunsplit(parts._replace(query=urlencode(query)))


def tortoise_connection(database_url: str) -> str | dict[str, Any]:
    """What Tortoise opens. A password goes in as a function, never as text: Tortoise logs
    its config at DEBUG with only two thirds of a password starred out."""
    url = connection_url(database_url)
    connection = expand_db_url(url)
    if connection["engine"] == "tortoise.backends.sqlite":
        connection["engine"] = SQLITE_ENGINE
        return connection
    if connection["engine"] == "tortoise.backends.asyncpg":
        connection["engine"] = POSTGRES_ENGINE
    if password := connection["credentials"].get("password"):
        connection["credentials"]["password"] = _Secret(password)
    return connection


class _Secret:
    """A password that asyncpg asks for when it connects; its repr shows nothing of it."""

    def __init__(self, password: str) -> None:
        self._password = password

    def __call__(self) -> str:
        return self._password

    def __repr__(self) -> str:
        return "'***'"


def tortoise_config(database_url: str) -> dict[str, object]:
    return {
        "connections": {"default": tortoise_connection(database_url)},
        "apps": {
            APP: {
                "models": MODELS,
                "migrations": MIGRATIONS,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI: `tortoise -c syncbot.store.database.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = tortoise_config("sqlite://syncbot.db")


async def migrate(database_url: str, progress: Callable[[str], None] | None = None) -> None:
    """Applies every pending migration, then leaves no connection open."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress is not None and event == "apply_done":
            progress(f"applied {app_label}.{name}")

    async with _migration_lock(database_url):
        try:
            await tortoise_migrate(config=tortoise_config(database_url), progress=report)
        finally:
            await connections.close_all()


# Connection options asyncpg understands. Everything else in a syncbot URL's query is
# Tortoise's (minsize, maxsize, …), which asyncpg would send to the server as settings.
_LIBPQ_OPTIONS = frozenset(
    {
        "passfile",
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "sslcrl",
        "target_session_attrs",
    }
)


def asyncpg_dsn(database_url: str) -> str:
    """A syncbot `postgres://` URL as asyncpg takes it: Tortoise's pool options removed."""
    parts = urlsplit(database_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key in _LIBPQ_OPTIONS]
    return urlunsplit(parts._replace(scheme="postgresql", query=urlencode(query)))


@asynccontextmanager
async def _migration_lock(database_url: str) -> AsyncIterator[None]:
    """On PostgreSQL, several `serve` processes starting at once migrate one at a time."""
    if not database_url.startswith("postgres://"):
        yield  # SQLite has one writer process by design
        return
    import asyncpg  # imported here: the postgres extra is optional

    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await connection.close()  # closing the session releases the lock


async def open_database(database_url: str) -> None:
    """Opens the ORM for this process; every task may query it afterwards."""
    # Tortoise caches compiled INSERTs per connection name, not per dialect: a process that
    # opens SQLite and then PostgreSQL (the test suite) would send "?" placeholders to asyncpg.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def declare_locations(names: Iterable[str]) -> None:
    """Makes the locations of the channels file exist; existing ones are left as they are."""
    await Location.bulk_create([Location(name=name) for name in names], ignore_conflicts=True)


async def database_ready() -> bool:
    """True when the database answers a trivial query."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # readiness reports any failure as "not ready"
        return False
    return True
