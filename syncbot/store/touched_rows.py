"""The rows a posting touches, found and locked: step 2 of `posting`'s contract.

The SKUs posted to are read (their reorder points; an unknown one is refused) with the
balance rows of theirs that exist. Missing balance rows are created holding no balance
lock (`balance_rows.create_missing` says why). On PostgreSQL every balance row is then
locked in key order and, after them, every SKU row in code order, reading the SKUs'
stock values for `valuing`: the same lock order in every posting, and the writes that
follow (`posting_writes`) take no row lock they do not already hold. SQLite's transaction
already runs alone, so there it locks nothing.

On PostgreSQL the usual posting, whose rows all exist, takes one statement for all of it,
with the claim of its idempotency key (`_LOCK_FOUND`); a posting that creates rows takes
three (find, create, lock). Five statements did it before. The keys go as arrays: one
prepared statement whatever the number of rows, where a list of placeholders was a new
statement to plan at each size.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot.ledger import Entry, UnknownSku
from syncbot.ledger.costing import StockValue
from syncbot.store import balance_rows, models
from syncbot.store.balance_rows import RowKey
from syncbot.store.sku_list import with_placeholders


@dataclass(frozen=True, slots=True)
class Claim:
    """An idempotency key to claim in the same round trip as the first read."""

    key: str
    fingerprint: str
    posting: uuid.UUID
    at: datetime

    def parameters(self) -> list[object]:
        return [self.key, self.fingerprint, str(self.posting), self.at]


def _claim_arrays(claims: Sequence[Claim]) -> list[object]:
    return [
        [c.key for c in claims],
        [c.fingerprint for c in claims],
        [str(c.posting) for c in claims],
        [c.at for c in claims],
    ]


@dataclass(frozen=True, slots=True)
class Touched:
    """What a posting's transaction holds once its rows are found and locked."""

    reorder_points: dict[str, int | None]
    rows: dict[RowKey, tuple[int, int]]
    """Each balance row's id and quantity, locked on PostgreSQL."""
    values: dict[str, StockValue] | None
    """Each SKU's on hand, value and average, read under its lock on PostgreSQL; None on
    SQLite, where `valuing` reads the SKUs that need it."""


async def touch(
    connection: BaseDBAsyncClient, entries: Sequence[Entry], claims: Sequence[Claim] = ()
) -> Touched:
    """Finds, creates where missing and locks every row the entries touch, after
    inserting the `claims` (a key already taken raises IntegrityError)."""
    keys = balance_rows.row_keys(entries)
    skus = sorted({entry.sku for entry in entries})
    postgres = connection.capabilities.dialect == "postgres"
    if postgres:
        locked = await _lock_found(connection, keys, skus, claims)
        if isinstance(locked, Touched):  # every row existed: found and locked at once
            return locked
        points, rows = locked
    else:
        for claim in claims:
            await _tuples(connection, _CLAIM, claim.parameters())
        points, rows = await _find_sqlite(connection, keys, skus)
    if unknown := [sku for sku in skus if sku not in points]:
        raise UnknownSku(unknown[0])
    if len(rows) < len(keys):
        await balance_rows.create_missing(connection, [k for k in keys if k not in rows])
        if not postgres:  # the created rows' ids; PostgreSQL's lock below reads them
            rows = await balance_rows.select(connection, keys)
    if not postgres:
        return Touched(points, rows, None)
    rows, values = await _lock(connection, keys, skus)
    return Touched(points, rows, values)


# The keys go as three arrays zipped by unnest: the exact rows, one statement text.
_KEYS = "unnest(?::varchar[], ?::varchar[], ?::varchar[]) AS k (sku, location, bucket)"
_CLAIM = "INSERT INTO idempotency_key (key, fingerprint, posting, created_at) VALUES (?, ?, ?, ?)"
# Balance rows first, in key order, then SKU rows in code order: UNION ALL runs its parts
# in turn. A SKU row is locked FOR NO KEY UPDATE, as the UPDATE of its totals would: that
# does not block another posting's foreign-key check on it, FOR UPDATE would.
_LOCK = (
    "WITH b AS (SELECT b.sku_id, b.location_id, b.bucket, b.id, b.quantity FROM balance b "
    f"JOIN {_KEYS} ON b.sku_id = k.sku AND b.location_id = k.location AND b.bucket = k.bucket "
    "ORDER BY b.sku_id, b.location_id, b.bucket FOR UPDATE OF b), "
    "s AS (SELECT code, on_hand, stock_value, average_cost FROM sku "
    "WHERE code = ANY(?::varchar[]) ORDER BY code FOR NO KEY UPDATE) "
    "SELECT sku_id, location_id, bucket, id, quantity, NULL::bigint, NULL::numeric FROM b "
    "UNION ALL SELECT code, NULL, NULL, NULL, on_hand, stock_value, average_cost FROM s"
)


# The usual posting, to rows that all exist, in one statement: the claim, then (gated on
# finding every row, without a lock, in the statement's snapshot) the balance rows and SKU
# rows locked as `_LOCK` locks them. The gates are InitPlans, evaluated once before their
# part runs: reading `claim` there makes the key's INSERT run first, so a twin in flight is
# waited for before any row is locked, as when the claim was its own statement (an
# unread data-modifying WITH would run at the statement's end, after the locks). When a
# row is missing nothing is locked: the rows found and the reorder points come back, the
# missing rows are created holding no lock, and `_LOCK` follows.
_ALL_FOUND = "(SELECT count(*) FROM found) = ?::int"
_LOCK_FOUND = (
    "WITH {claim}found AS (SELECT b.sku_id, b.location_id, b.bucket, b.id, b.quantity "
    f"FROM balance b JOIN {_KEYS} ON b.sku_id = k.sku AND b.location_id = k.location "
    "AND b.bucket = k.bucket), "
    "b AS (SELECT b.sku_id, b.location_id, b.bucket, b.id, b.quantity FROM balance b "
    "JOIN found f ON b.id = f.id "
    f"WHERE {{claimed}}{_ALL_FOUND} "
    "ORDER BY b.sku_id, b.location_id, b.bucket FOR UPDATE OF b), "
    "s AS (SELECT code, on_hand, stock_value, average_cost, reorder_point FROM sku "
    f"WHERE code = ANY(?::varchar[]) AND {_ALL_FOUND} ORDER BY code FOR NO KEY UPDATE) "
    "SELECT 'b', sku_id, location_id, bucket, id, quantity, NULL::bigint, NULL::numeric, "
    "NULL::int FROM b "
    "UNION ALL SELECT 's', code, NULL, NULL, NULL, on_hand, stock_value, average_cost, "
    "reorder_point FROM s "
    "UNION ALL SELECT 'f', sku_id, location_id, bucket, id, quantity, NULL, NULL, NULL "
    f"FROM found WHERE NOT {_ALL_FOUND} "
    "UNION ALL SELECT 'p', code, NULL, NULL, NULL, NULL, NULL, NULL, reorder_point FROM sku "
    f"WHERE code = ANY(?::varchar[]) AND NOT {_ALL_FOUND}"
)
_LOCK_FOUND_CLAIMED = _LOCK_FOUND.format(
    claim="claim AS (INSERT INTO idempotency_key (key, fingerprint, posting, created_at) "
    "SELECT * FROM unnest(?::varchar[], ?::varchar[], ?::uuid[], ?::timestamptz[]) "
    "RETURNING 1), ",
    claimed="(SELECT count(*) FROM claim) = ?::int AND ",
)
_LOCK_FOUND_UNCLAIMED = _LOCK_FOUND.format(claim="", claimed="")


async def _lock_found(
    connection: BaseDBAsyncClient, keys: list[RowKey], skus: list[str], claims: Sequence[Claim]
) -> Touched | tuple[dict[str, int | None], dict[RowKey, tuple[int, int]]]:
    """Every row found and locked (a Touched), or, when a row is missing, nothing locked
    and the reorder points and the rows that were found."""
    n = len(keys)
    params: list[object] = [*_key_arrays(keys), n, skus, n, n, skus, n]
    if claims:
        # In the text's order: the claims, the keys, then how many claims must go in.
        claimed = [*_claim_arrays(claims), *params[:3], len(claims), *params[3:]]
        found = await _tuples(connection, _LOCK_FOUND_CLAIMED, claimed)
    else:
        found = await _tuples(connection, _LOCK_FOUND_UNCLAIMED, params)
    average = models.Sku._meta.fields_map["average_cost"]
    points: dict[str, int | None] = {}
    rows: dict[RowKey, tuple[int, int]] = {}
    values: dict[str, StockValue] = {}
    all_found = False
    for kind, sku, location, bucket, row_id, quantity, value, cost, point in found:
        if kind in ("b", "f"):
            rows[(sku, location, bucket)] = (row_id, quantity)
            all_found = kind == "b"
        else:
            points[sku] = point
            if kind == "s":
                values[sku] = StockValue(quantity, value, Decimal(average.to_python_value(cost)))
    if all_found:
        return Touched(points, rows, values)
    return points, rows


def _key_arrays(keys: Sequence[RowKey]) -> list[list[str]]:
    return [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]


async def _find_sqlite(
    connection: BaseDBAsyncClient, keys: list[RowKey], skus: list[str]
) -> tuple[dict[str, int | None], dict[RowKey, tuple[int, int]]]:
    marks = ", ".join("?" * len(skus))
    sql = f"SELECT code, reorder_point FROM sku WHERE code IN ({marks})"
    points: dict[str, int | None] = dict(await _tuples(connection, sql, skus))
    return points, await balance_rows.select(connection, keys)


async def _lock(
    connection: BaseDBAsyncClient, keys: list[RowKey], skus: list[str]
) -> tuple[dict[RowKey, tuple[int, int]], dict[str, StockValue]]:
    found = await _tuples(connection, _LOCK, [*_key_arrays(keys), skus])
    average = models.Sku._meta.fields_map["average_cost"]
    rows: dict[RowKey, tuple[int, int]] = {}
    values: dict[str, StockValue] = {}
    for sku, location, bucket, row_id, quantity, value, cost in found:
        if location is None:
            values[sku] = StockValue(quantity, value, Decimal(average.to_python_value(cost)))
        else:
            rows[(sku, location, bucket)] = (row_id, quantity)
    return rows, values


async def _tuples(
    connection: BaseDBAsyncClient, sql: str, params: Sequence[object]
) -> list[tuple[Any, ...]]:
    dialect = connection.capabilities.dialect
    _, rows = await connection.execute_query(with_placeholders(sql, dialect), list(params))
    return [tuple(row) for row in rows]
