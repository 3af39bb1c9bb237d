"""A posting's rows found and locked in one statement on PostgreSQL (`touched_rows`):
every row locked when all exist, nothing locked when one is missing, so that missing rows
are created holding no lock and two first postings to a new SKU cannot deadlock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from syncbot import ledger
from syncbot.store import posting, touched_rows
from syncbot.store.balance_rows import row_keys
from syncbot.store.catalogue import add_sku
from syncbot.store.stock import stock


@pytest.fixture
async def other(database: str) -> AsyncIterator[asyncpg.Connection]:
    """A second connection, as another posting's, that only tries locks (NOWAIT)."""
    if database.startswith("sqlite"):
        pytest.skip("SQLite's transaction runs alone: it takes no row locks")
    connection = await asyncpg.connect(database.replace("postgres://", "postgresql://", 1))
    try:
        yield connection
    finally:
        await connection.close()


async def can_lock(connection: asyncpg.Connection, sql: str, *args: object) -> bool:
    try:
        async with connection.transaction():
            await connection.execute(sql + " NOWAIT", *args)
    except asyncpg.LockNotAvailableError:
        return False
    return True


BALANCE = "SELECT 1 FROM balance WHERE sku_id = $1 AND location_id = 'main' FOR UPDATE"
SKU = "SELECT 1 FROM sku WHERE code = $1 FOR NO KEY UPDATE"


async def test_rows_that_all_exist_are_locked_with_the_sku_and_the_claim(
    other: asyncpg.Connection,
) -> None:
    await add_sku("MUG")
    await posting.post([ledger.receive("MUG", 5)])
    entries = [ledger.order_commit("MUG", 1)]
    claim = touched_rows.Claim("key-1", "digest", uuid.uuid4(), datetime.now(UTC))
    async with in_transaction() as connection:
        touched = await touched_rows.touch(connection, entries, [claim])
        assert touched.values is not None
        assert touched.values["MUG"].on_hand == 5
        assert len(touched.rows) == len(row_keys(entries))
        assert not await can_lock(other, BALANCE, "MUG")
        assert not await can_lock(other, SKU, "MUG")
        assert await other.fetchval("SELECT count(*) FROM idempotency_key") == 0  # uncommitted
    assert await other.fetchval("SELECT key FROM idempotency_key") == "key-1"


async def test_nothing_is_locked_when_a_row_is_missing(other: asyncpg.Connection) -> None:
    """The usual statement finds a missing row and locks nothing; `touch` then creates the
    row and locks them all."""
    await add_sku("MUG")
    await posting.post([ledger.receive("MUG", 5)])  # available at main exists, not east
    entries = [ledger.transfer("MUG", 2, "main", "east")]
    keys = row_keys(entries)
    async with in_transaction() as connection:
        found = await touched_rows._lock_found(connection, keys, ["MUG"], None)
        assert not isinstance(found, touched_rows.Touched)
        points, rows = found
        assert points == {"MUG": None}
        assert 0 < len(rows) < len(keys)
        assert await can_lock(other, BALANCE, "MUG")
        assert await can_lock(other, SKU, "MUG")
        touched = await touched_rows.touch(connection, entries)
        assert len(touched.rows) == len(keys)
        assert not await can_lock(other, BALANCE, "MUG")
    await posting.post(entries)
    assert (await stock("MUG")).total.available == 5
