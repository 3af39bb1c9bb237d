"""Tortoise's SQLite engine, with transactions that take the write lock as they begin.

Tortoise begins a transaction with a plain (deferred) BEGIN, which reads first and asks for
the write lock at its first write. In WAL mode that upgrade fails at once with "database is
locked", whatever the busy timeout, when another process committed a write since the
transaction's first read: its snapshot is stale. `syncbot serve` posting webhook orders
while a person runs `syncbot receive` is exactly that. BEGIN IMMEDIATE takes the write lock
first, so the second writer waits its turn (up to the busy timeout) instead of failing.
Reads outside a transaction are untouched: WAL readers never wait.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient
