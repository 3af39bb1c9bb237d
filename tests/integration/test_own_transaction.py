"""A posting's own transaction on PostgreSQL (`postgres_engine`): its writes carry the
COMMIT, as a prepared statement with its parameters quoted into the message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from conftest import truncate_postgres
from hypothesis import given, settings
from hypothesis import strategies as st
from tortoise import connections
from tortoise.exceptions import OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from syncbot import ledger
from syncbot.store import models, posting, posting_rows
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.postgres_engine import OwnTransaction, PooledClient, _quoted
from syncbot.store.verify import verify

HOSTILE = [
    "$p$",
    "ends in $p",
    "$p$p$p1$",
    "'); DROP TABLE movement; --",
    "back\\slash and 'quotes' and \"doubles\"",
    "$$ $tag$ ü ✓",
]


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[PooledClient]:
    await truncate_postgres(postgres_url)
    await open_database(postgres_url)
    await declare_locations(["main"])
    await add_sku("MUG-1", "Mug")
    try:
        client = connections.get("default")
        assert isinstance(client, PooledClient)
        yield client
    finally:
        await close_database()


async def written() -> tuple[int, int, int]:
    return (
        await models.Movement.all().count(),
        await models.IdempotencyKey.all().count(),
        await models.OutboxEvent.all().count(),
    )


async def prepared_on_connections(client: PooledClient) -> list[str]:
    _, rows = await client.execute_query("SELECT name FROM pg_prepared_statements")
    return [row["name"] for row in rows]


async def test_each_connection_prepares_the_writes_as_it_opens(postgres: PooledClient) -> None:
    assert "syncbot_posting_writes" in await prepared_on_connections(postgres)


async def test_a_connection_without_the_statement_prepares_it_and_posts_once(
    postgres_url: str,
) -> None:
    """On a connection opened before the tables existed nothing is prepared: the first
    posting is rolled back, the statement prepared, and the posting recorded, once."""
    await truncate_postgres(postgres_url)
    await open_database(postgres_url + "?minsize=1&maxsize=1")  # one connection to clear
    try:
        await declare_locations(["main"])
        await add_sku("MUG-1", "Mug")
        client = connections.get("default")
        assert isinstance(client, PooledClient)
        await client.execute_script("DEALLOCATE syncbot_posting_writes")
        assert "syncbot_posting_writes" not in await prepared_on_connections(client)
        await post_once_and_replay()
        assert "syncbot_posting_writes" in await prepared_on_connections(client)
    finally:
        await close_database()


async def post_once_and_replay() -> None:
    result = await posting.post([ledger.receive("MUG-1", 5)], idempotency_key="first")
    assert result.applied
    assert await written() == (1, 1, 1)
    again = await posting.post([ledger.receive("MUG-1", 5)], idempotency_key="first")
    assert not again.applied
    await posting.post([ledger.order_commit("MUG-1", 2)], idempotency_key="second")
    assert await written() == (2, 2, 2)
    assert (await verify()).ok


@pytest.mark.parametrize("text", HOSTILE)
async def test_text_that_looks_like_quoting_or_sql_is_recorded_as_written(
    postgres: PooledClient, text: str
) -> None:
    provenance = posting.Provenance(actor=text, document=text + " doc")
    await posting.post([ledger.receive("MUG-1", 3)], provenance=provenance)
    await posting.post([ledger.damage("MUG-1", 1, reason=text)], idempotency_key=text)
    receipt, damage = await models.Movement.all().order_by("id")
    assert (receipt.actor, receipt.document) == (text, text + " doc")
    assert (damage.reason, damage.idempotency_key) == (text, text)
    assert (await verify()).ok


async def test_a_write_the_database_refuses_takes_the_posting_back(
    postgres: PooledClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the last statement leaves nothing: not the key, not the movement; the
    connection goes on, and the same key posts once the cause is gone."""
    await posting.post([ledger.receive("MUG-1", 5)])
    before = await written()
    rows = posting_rows.event_rows

    def unreadable(events: list[ledger.Event]) -> list[list[object]]:
        return [[*row[:3], "not a time"] for row in rows(events)]

    monkeypatch.setattr(posting_rows, "event_rows", unreadable)
    with pytest.raises(OperationalError):
        await posting.post([ledger.order_commit("MUG-1", 2)], idempotency_key="k")
    assert await written() == before
    monkeypatch.setattr(posting_rows, "event_rows", rows)
    assert (await posting.post([ledger.order_commit("MUG-1", 2)], idempotency_key="k")).applied
    assert (await verify()).ok


async def test_the_last_statement_commits_and_nothing_runs_after_it(
    postgres: PooledClient,
) -> None:
    async def work(transaction: OwnTransaction) -> None:
        await transaction.finish(
            "syncbot_test_location",
            "INSERT INTO location (name, created_at) VALUES ($1::varchar, now())",
            ["ends in $p"],
        )
        await transaction.execute_query("SELECT 1")

    with pytest.raises(TransactionManagementError):
        await postgres.run_own_transaction(work)
    assert await models.Location.filter(name="ends in $p").exists()


async def test_a_savepoint_inside_is_refused_and_nothing_is_written(
    postgres: PooledClient,
) -> None:
    async def work(transaction: OwnTransaction) -> None:
        await models.Location.create(name="north", using_db=transaction)
        async with in_transaction():
            pass

    with pytest.raises(TransactionManagementError):
        await postgres.run_own_transaction(work)
    assert not await models.Location.filter(name="north").exists()


async def test_a_lot_of_waiting_postings_goes_in_one_own_transaction(
    postgres: PooledClient,
) -> None:
    await posting.post([ledger.receive("MUG-1", 100)])
    orders = [ledger.order_commit("MUG-1", 1)]
    results = await asyncio.gather(
        *(posting.post(orders, idempotency_key=f"o{n}") for n in range(20))
    )
    assert all(result.applied for result in results)
    assert (await written())[:2] == (21, 20)  # their events coalesce per lot
    assert (await verify()).ok


@pytest.fixture
def connection(postgres_url: str) -> Iterator[tuple[asyncio.Runner, asyncpg.Connection]]:
    with asyncio.Runner() as runner:
        url = postgres_url.replace("postgres://", "postgresql://", 1)
        opened = runner.run(asyncpg.connect(url))
        yield runner, opened
        runner.run(opened.close())


_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("$p1'\\;"), st.characters(exclude_characters="\x00", codec="utf-8")
    )
)


def test_any_text_reads_back_as_written(
    connection: tuple[asyncio.Runner, asyncpg.Connection],
) -> None:
    runner, opened = connection

    @settings(max_examples=300, deadline=None)
    @given(_TEXT)
    def reads_back(text: str) -> None:
        assert runner.run(opened.fetchval(f"SELECT {_quoted(text)}::text")) == text

    reads_back()
