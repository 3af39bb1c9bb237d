"""What the benchmarks share for a scratch database: opening one, bulk inserts behind the
ledger's back, and emptying a PostgreSQL database before a seed. Imported by the bench
scripts, which run from this folder (`python bench/NAME.py` puts it first on the path)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from tortoise import connections

from syncbot.store.database import close_database, declare_locations, migrate, open_database

BATCH = 20_000


async def insert(table: str, columns: Sequence[str], rows: list[tuple[object, ...]]) -> None:
    """Inserts `rows` in batches with plain SQL: seeding is not what a bench measures."""
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n + 1}" if postgres else "?" for n in range(len(columns)))
    query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    for start in range(0, len(rows), BATCH):
        await connection.execute_many(query, [list(row) for row in rows[start : start + BATCH]])


async def empty_postgres(url: str) -> None:
    """Drops every table of the scratch PostgreSQL database, so the seed starts clean."""
    import asyncpg  # the postgres extra is optional

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(postgres: str | None, locations: list[str]) -> AsyncIterator[str]:
    """A migrated, open database with `locations` declared: PostgreSQL at `postgres` (which
    is emptied first), else a SQLite file in a temporary directory; closed at the end."""
    with tempfile.TemporaryDirectory() as folder:
        url = postgres or f"sqlite://{Path(folder) / 'bench.db'}"
        if postgres:
            await empty_postgres(postgres)
        await migrate(url)
        await open_database(url)
        try:
            await declare_locations(locations)
            yield url
        finally:
            await close_database()
