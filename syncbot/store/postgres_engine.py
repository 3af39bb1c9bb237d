"""Tortoise's asyncpg engine, with a pool that does not reset a connection's session as it
takes it back, and transactions whose last statement carries their COMMIT.

asyncpg resets every connection handed back to its pool: any open transaction is rolled
back (kept here), then one more query (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
RESET ALL`) undoes session state a caller may have left. syncbot leaves none on pooled
connections: nothing LISTENs, opens a cursor or SETs beyond a transaction, and the one
session-level advisory lock (the scheduler's leadership, `runtime.leader`) lives on a
connection of its own. So that query was a round trip per transaction for nothing, a
tenth of a single posting's. (The posting's prepared writes are session state that stays,
on purpose: nothing else uses their name.)

A single posting was four round trips: BEGIN, the statement that claims its key and locks
its rows, the statement that writes, COMMIT. At one client each round trip is a send, a
wake-up and a receive on both sides, about as much CPU as a posting's own Python.
`PooledClient.run_own_transaction` saves one: the last statement is a prepared statement
run by the simple protocol in the same message as the COMMIT (`OwnTransaction.finish`).
Each connection prepares the posting's writes as it opens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import ConnectionWrapper, TransactionContext
from tortoise.backends.base_postgres.client import translate_exceptions
from tortoise.exceptions import TransactionManagementError

from syncbot.store import posting_writes

T = TypeVar("T")


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """asyncpg has rolled back any open transaction already; there is no session state."""


async def _prepare(connection: asyncpg.Connection) -> None:
    """Prepares the posting's writes on a new connection, so that its first posting does
    not find them missing (an error in the server's log, and the posting run twice). In a
    database not migrated yet there is nothing to prepare: the first use prepares it."""
    name, statement = posting_writes.PREPARED
    if await connection.fetchval("SELECT to_regclass('movement') IS NOT NULL"):
        with contextlib.suppress(asyncpg.PostgresError):  # a migration under way
            await connection.execute(f"PREPARE {name} AS {statement}")


class PooledClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_nothing_to_reset, init=_prepare, **kwargs)

    async def run_own_transaction(self, work: Callable[[OwnTransaction], Awaitable[T]]) -> T:
        """`work` in a transaction of its own, on one pooled connection: committed by
        `OwnTransaction.finish` if `work` calls it as its last statement, else by a COMMIT
        once it returns; rolled back if it raises. Where `finish` finds its statement not
        prepared (a connection opened before the tables existed), the transaction is rolled
        back, the statement prepared, and `work` runs again, once, on the same connection."""
        if not self._pool:
            async with self._pool_init_lock:  # as Tortoise's own transactions create it
                if not self._pool:
                    await self.create_connection(with_db=True)
        pool: asyncpg.Pool = self._pool
        connection = await pool.acquire()
        try:
            try:
                return await self._attempt(connection, work)
            except _NotPrepared as missing:
                await connection.execute(f"PREPARE {missing.name} AS {missing.definition}")
            return await self._attempt(connection, work)
        finally:
            await pool.release(connection)

    async def _attempt(
        self, connection: asyncpg.Connection, work: Callable[[OwnTransaction], Awaitable[T]]
    ) -> T:
        transaction = OwnTransaction(self, connection)
        token = connections.set(self.connection_name, transaction)
        try:
            await transaction.begin()
            try:
                result = await work(transaction)
            except BaseException:
                if not transaction._finalized:
                    # A connection that cannot roll back is broken: the pool drops it,
                    # and the error that matters is the one raised.
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
                raise
            if not transaction._finalized:
                await transaction.commit()
            return result
        finally:
            connections.reset(token)


class _NotPrepared(Exception):
    def __init__(self, name: str, definition: str) -> None:
        super().__init__(name)
        self.name = name
        self.definition = definition


class OwnTransaction(TransactionWrapper):
    """A transaction begun with a plain BEGIN on a pooled connection, for
    `PooledClient.run_own_transaction`. Queries go through Tortoise's wrapper as in any
    transaction; asyncpg does not track it, so it takes no savepoint (nothing that runs
    in one opens a nested transaction)."""

    def __init__(self, client: PooledClient, connection: asyncpg.Connection) -> None:
        super().__init__(client)
        self._connection = connection

    def _in_transaction(self) -> TransactionContext:
        raise TransactionManagementError("a transaction of its own takes no savepoint")

    def acquire_connection(self) -> ConnectionWrapper[asyncpg.Connection]:
        # After `finish` a query would run outside the transaction, in autocommit.
        if self._finalized:
            raise TransactionManagementError("the transaction has ended")
        return super().acquire_connection()

    @translate_exceptions
    async def begin(self) -> None:
        await self._connection.execute("BEGIN")

    @translate_exceptions
    async def commit(self) -> None:
        self._finalized = True
        await self._connection.execute("COMMIT")

    async def rollback(self) -> None:
        self._finalized = True
        await self._connection.execute("ROLLBACK")

    @translate_exceptions
    async def finish(self, name: str, definition: str, params: Sequence[str]) -> None:
        """Runs prepared statement `name` with text parameters and commits, in one round
        trip: the simple protocol takes several statements in one message but no
        parameters, so each goes as a dollar-quoted literal, under a tag its text does not
        hold, where nothing is an escape or read as SQL. `definition` is the statement,
        for a connection where it is not prepared yet."""
        arguments = ", ".join(_quoted(param) for param in params)
        self._finalized = True
        try:
            await self._connection.execute(f"EXECUTE {name} ({arguments}); COMMIT")
        except asyncpg.InvalidSQLStatementNameError:
            await self._connection.execute("ROLLBACK")
            raise _NotPrepared(name, definition) from None
        except BaseException:
            # An error in EXECUTE skipped the COMMIT and left the transaction failed.
            with contextlib.suppress(Exception):
                await self._connection.execute("ROLLBACK")
            raise


def _quoted(text: str) -> str:
    """`text` as a dollar-quoted literal, under the first of `$p$`, `$p1$`, `$p2$`… that
    first occurs where the text ends: not one the text holds, nor one its end would
    complete (a text ending in `$p` would close `$p$` early)."""
    tag, n = "$p$", 0
    while (text + tag).find(tag) != len(text):
        n += 1
        tag = f"$p{n}$"
    return f"{tag}{text}{tag}"


client_class = PooledClient
