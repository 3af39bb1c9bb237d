"""Two processes writing one SQLite file: a transaction takes the write lock as it begins,
so a writer that commits in between makes the other wait, never fail with "database is
locked" (a deferred BEGIN's stale snapshot cannot be upgraded to a write in WAL mode)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from tortoise.transactions import in_transaction

from syncbot import ledger
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku


@pytest.fixture
def sqlite_file(database: str) -> str:
    if not database.startswith("sqlite://"):
        pytest.skip("SQLite only: PostgreSQL's row locks serialise these writers")
    return database.removeprefix("sqlite://").split("?")[0]


async def test_a_transaction_holds_the_write_lock_from_its_first_read(
    sqlite_file: str,
) -> None:
    """Right after our transaction's first read, another process cannot start writing: it
    would wait (here, with no timeout, it is refused), so it can never commit between our
    read and our write and leave our snapshot stale."""
    await add_sku("MUG-1", "Mug")
    other = sqlite3.connect(sqlite_file, isolation_level=None, timeout=0)
    try:
        async with in_transaction() as connection:
            assert await models.Sku.filter(code="MUG-1").using_db(connection).exists()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            await models.Sku.filter(code="MUG-1").using_db(connection).update(reorder_point=5)
        other.execute("UPDATE sku SET name = 'Mug (renamed)' WHERE code = 'MUG-1'")
    finally:
        other.close()
    row = await models.Sku.get(code="MUG-1")
    assert (row.name, row.reorder_point) == ("Mug (renamed)", 5)


async def test_postings_from_two_processes_all_land(sqlite_file: str) -> None:
    """A second process writes into the file as fast as it can while this one posts
    receipts: every write of both lands, none is refused as "database is locked"."""
    await add_sku("MUG-1", "Mug")
    stop = threading.Event()
    written: list[int] = []

    def other_process_writes() -> None:
        other = sqlite3.connect(sqlite_file, isolation_level=None, timeout=15)
        try:
            while not stop.is_set():
                other.execute(
                    "INSERT INTO sku (code, name, created_at) VALUES (?, '', datetime('now'))",
                    (f"OTHER-{len(written)}",),
                )
                written.append(1)
        finally:
            other.close()

    thread = threading.Thread(target=other_process_writes)
    thread.start()
    try:
        for _ in range(30):
            await posting.post([ledger.receive("MUG-1", 1)])
    finally:
        stop.set()
        thread.join()
    assert (await models.Sku.get(code="MUG-1")).on_hand == 30
    assert written
