"""What the benchmarks share for a scratch database: bulk inserts behind the ledger's back,
and emptying a PostgreSQL database before a seed. Imported by the bench scripts, which run
from this folder (`python bench/NAME.py` puts it first on the path)."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise import connections

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
