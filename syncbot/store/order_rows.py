"""The rows a batch of orders reads and writes in `orders.reconcile_all`'s transaction:
their stored records locked, the SKUs they name, the records of new orders created and
the others saved, their parked lines replaced, each step one statement for the whole batch.

On PostgreSQL the keys go as arrays (`= ANY`, `unnest`), as in `touched_rows`: one
prepared statement whatever the batch's size, where a list of placeholders was a new
statement for asyncpg to prepare, and the server to plan, at each size (a fifth of
intake's statements missed asyncpg's cache in a flash sale). SQLite runs the same
statements with placeholder lists; its transaction already runs alone, so it locks
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot.ledger import orders
from syncbot.ledger.orders import OrderRecord, ParkedLine
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders

OrderKey = tuple[str, str]  # channel, order id: also the order records are locked in


@dataclass(frozen=True, slots=True)
class Locked:
    """A stored order record as the batch holds it, locked: its id and state."""

    id: int
    state: Mapping[str, Any]


CHUNK = 500  # orders per statement: on SQLite 5 parameters each, far below its 32,766
_FIND = "SELECT o.id, o.channel, o.order_id, o.state FROM order_record o "
_FIND_POSTGRES = (
    f"{_FIND}JOIN unnest(?::varchar[], ?::varchar[]) AS k (channel, order_id) "
    "ON o.channel = k.channel AND o.order_id = k.order_id "
    "ORDER BY o.channel, o.order_id FOR UPDATE OF o"
)
_CREATE = "INSERT INTO order_record (channel, order_id, state, updated_at, created_at) "
_CREATED = " ON CONFLICT DO NOTHING RETURNING channel, order_id"
# WITH ORDINALITY keeps the keys' order, so records are created (and locked) in key order.
_CREATE_POSTGRES = (
    f"{_CREATE}SELECT k.channel, k.order_id, k.state, k.updated_at, ?::timestamptz "
    "FROM unnest(?::varchar[], ?::varchar[], ?::jsonb[], ?::timestamptz[]) "
    "WITH ORDINALITY AS k (channel, order_id, state, updated_at, n) "
    f"ORDER BY k.n{_CREATED}"
)


async def lock(connection: BaseDBAsyncClient, keys: Sequence[OrderKey]) -> dict[OrderKey, Locked]:
    """The stored record of each order that has one, locked until commit, in key order; an
    order with none is not in the answer (`create` makes its record once it is settled)."""
    postgres = connection.capabilities.dialect == "postgres"
    field = models.OrderRecord._meta.fields_map["state"]
    locked: dict[OrderKey, Locked] = {}
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        params: list[Any]
        if postgres:
            sql, params = _FIND_POSTGRES, _columns(chunk)
        else:
            where = " OR ".join(["(o.channel = ? AND o.order_id = ?)"] * len(chunk))
            sql = f"{_FIND}WHERE {where} ORDER BY o.channel, o.order_id"
            params = [value for key in chunk for value in key]
        for row in await _dicts(connection, sql, params):
            stored = field.to_python_value(row["state"])
            locked[(row["channel"], row["order_id"])] = Locked(int(row["id"]), stored)
    return locked


async def create(
    connection: BaseDBAsyncClient, records: Sequence[tuple[OrderKey, OrderRecord]]
) -> set[OrderKey]:
    """Inserts the records of orders seen for the first time, already settled, in key
    order; returns the keys it created. A twin transaction's insert of the same order makes
    this one wait for its commit, and then the key is not created here: its record exists
    now, and the caller reconciles that order again against it."""
    postgres = connection.capabilities.dialect == "postgres"
    now = datetime.now(UTC)
    created: set[OrderKey] = set()
    ordered = sorted(records, key=lambda pair: pair[0])
    for start in range(0, len(ordered), CHUNK):
        rows = [
            [channel, order_id, *_stored(record)]
            for (channel, order_id), record in ordered[start : start + CHUNK]
        ]
        params: list[Any]
        if postgres:
            sql, params = _CREATE_POSTGRES, [now, *(list(c) for c in zip(*rows, strict=True))]
        else:
            sql = _CREATE + "VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(rows)) + _CREATED
            params = [value for row in rows for value in (*row, now)]
        found = await _dicts(connection, sql, params)
        created.update((row["channel"], row["order_id"]) for row in found)
    return created


_CATALOGUED = (
    "SELECT s.code, EXISTS (SELECT 1 FROM bundle b WHERE b.sku_id = s.code) FROM sku s "
    "WHERE s.code "
)


async def catalogued(connection: BaseDBAsyncClient, skus: set[str]) -> dict[str, bool]:
    """The SKUs syncbot holds among `skus`, each with whether it is a bundle: read in
    this transaction, so a bundle set by another process is seen by the next batch, and
    the recipes need no read when no line names one."""
    if not skus:
        return {}
    codes = sorted(skus)
    params: list[object]
    if connection.capabilities.dialect == "postgres":
        sql, params = _CATALOGUED + "= ANY(?::varchar[])", [codes]
    else:
        sql, params = _CATALOGUED + f"IN ({', '.join('?' * len(codes))})", [*codes]
    _, rows = await connection.execute_query(
        with_placeholders(sql, connection.capabilities.dialect), params
    )
    return {code: bool(bundle) for code, bundle in (tuple(row) for row in rows)}


_UNPARK_POSTGRES = (
    "DELETE FROM parked_line p USING unnest(?::varchar[], ?::varchar[]) AS k (channel, order_id) "
    "WHERE p.channel = k.channel AND p.order_id = k.order_id"
)


async def park(
    connection: BaseDBAsyncClient, orders_parked: list[tuple[OrderKey, list[ParkedLine], bool]]
) -> None:
    """Replaces each order's parked lines with those still unknown or refused (an order
    seen for the first time has none to delete)."""
    stale = [key for key, _, new in orders_parked if not new]
    if stale and connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            with_placeholders(_UNPARK_POSTGRES, "postgres"), _columns(stale)
        )
    elif stale:
        where = " OR ".join(["(channel = ? AND order_id = ?)"] * len(stale))
        await connection.execute_query(
            f"DELETE FROM parked_line WHERE {where}", [value for key in stale for value in key]
        )
    rows = [
        models.ParkedLine(
            channel=channel,
            order_id=order_id,
            line_id=line.line_id,
            sku=line.sku,
            quantity=line.quantity,
            reason=line.reason,
        )
        for (channel, order_id), parked, _ in orders_parked
        for line in parked
    ]
    if rows:  # Tortoise builds its INSERT even for no rows
        await models.ParkedLine.bulk_create(rows, using_db=connection)


_SAVE = "UPDATE order_record SET state = ?, updated_at = ? WHERE id = ?"
_SAVE_POSTGRES = (
    "UPDATE order_record o SET state = v.state, updated_at = v.updated_at "
    "FROM unnest(?::jsonb[], ?::timestamptz[], ?::bigint[]) AS v (state, updated_at, id) "
    "WHERE o.id = v.id"
)


async def save(connection: BaseDBAsyncClient, records: list[tuple[int, OrderRecord]]) -> None:
    """Writes each record's new state: one statement on PostgreSQL, where `execute_many`
    ran each row as its own statement on the server."""
    if not records:
        return
    rows = [[*_stored(record), record_id] for record_id, record in records]
    if connection.capabilities.dialect == "postgres":
        columns = [list(column) for column in zip(*rows, strict=True)]
        await connection.execute_query(with_placeholders(_SAVE_POSTGRES, "postgres"), columns)
    else:
        await connection.execute_many(_SAVE, rows)


def _stored(record: OrderRecord) -> list[Any]:
    """A record's state and snapshot time as the database holds them."""
    fields = models.OrderRecord._meta.fields_map
    return [
        fields["state"].to_db_value(orders.encode(record), models.OrderRecord),
        fields["updated_at"].to_db_value(record.state.updated_at, models.OrderRecord),
    ]


def _columns(keys: Sequence[OrderKey]) -> list[list[str]]:
    """Keys as the arrays `unnest` zips back: channels, then order ids."""
    return [[key[0] for key in keys], [key[1] for key in keys]]


async def _dicts(
    connection: BaseDBAsyncClient, sql: str, params: list[Any]
) -> list[dict[str, Any]]:
    return await connection.execute_query_dict(
        with_placeholders(sql, connection.capabilities.dialect), params
    )
