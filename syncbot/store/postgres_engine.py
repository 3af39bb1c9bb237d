"""Tortoise's asyncpg engine, with a pool that does not reset a connection's session as it
takes it back.

asyncpg resets every connection handed back to its pool: any open transaction is rolled
back (kept here), then one more query (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
RESET ALL`) undoes session state a caller may have left. syncbot leaves none on pooled
connections: nothing LISTENs, opens a cursor or SETs beyond a transaction, and the one
session-level advisory lock (the scheduler's leadership, `runtime.leader`) lives on a
connection of its own. So that query was a round trip per transaction for nothing, a
tenth of a single posting's.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """asyncpg has rolled back any open transaction already; there is no session state."""


class PooledClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_nothing_to_reset, **kwargs)


client_class = PooledClient
