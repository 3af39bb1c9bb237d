"""What a sync plans and sends from, read as plain rows: a channel's listings, each SKU's
`available`, the newest movement, and what the channel's own orders took since a push.

A sync runs every few hundred milliseconds in a flash sale, each time for a different
number of SKUs. So these reads are raw SQL returning tuples and frozen dataclasses, not
ORM instances (building a model per row, and the query, cost more CPU than the database
did), and their keys go as one array parameter on PostgreSQL (`key_lists`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from syncbot.ledger import Bucket
from syncbot.store import sync_models
from syncbot.store.key_lists import among, chunks
from syncbot.store.sku_list import with_placeholders


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One listing syncbot pushes, with the sync state the planner and pusher read."""

    id: int
    sku: str
    listing_id: str
    inventory_id: str
    channel_quantity: int | None
    """What the channel is believed to hold: its last acknowledgement or its last read."""
    pushed_quantity: int | None
    push_watermark: int
    held_since: datetime | None
    quarantined_at: datetime | None
    abandoned_at: datetime | None


_LISTINGS = (
    "SELECT id, sku, listing_id, inventory_id, channel_quantity, pushed_quantity, "
    "push_watermark, held_since, quarantined_at, abandoned_at FROM channel_listing "
    "WHERE channel = ? AND NOT managed_by_storefront"
)
# The moments as the ORM reads them: SQLite holds text, PostgreSQL a datetime.
_moment = sync_models.ChannelListing._meta.fields_map["held_since"].to_python_value


def _listing(row: Sequence[Any]) -> ListingRow:
    return ListingRow(*row[:7], *(_moment(value) for value in row[7:]))


async def listings(channel: str, skus: Collection[str] | None = None) -> list[ListingRow]:
    """The channel's listings that syncbot pushes, of the given SKUs or all of them, in SKU
    order: a listing the storefront manages itself is left out."""
    if skus is None:
        return [_listing(row) for row in await _rows(f"{_LISTINGS} ORDER BY sku, id", [channel])]
    return [
        _listing(row) for row in await _among(_LISTINGS, [channel], "sku", sorted(skus), "sku, id")
    ]


async def pushable(channel: str, inventory_ids: Collection[str]) -> dict[str, ListingRow]:
    """The channel's listings with these inventory ids that are still stored and not
    managed by the storefront, by inventory id."""
    found = await _among(_LISTINGS, [channel], "inventory_id", sorted(inventory_ids))
    return {row.inventory_id: row for row in map(_listing, found)}


_AVAILABLE = "SELECT sku_id, location_id, quantity FROM balance WHERE bucket = ?"


async def available(skus: Collection[str] | None = None) -> dict[str, dict[str, int]]:
    """`available` by SKU and location, read from the balance rows."""
    bucket = [str(Bucket.AVAILABLE)]
    if skus is None:
        rows = await _rows(_AVAILABLE, bucket)
    else:
        rows = await _among(_AVAILABLE, bucket, "sku_id", sorted(skus))
    by_sku: dict[str, dict[str, int]] = defaultdict(dict)
    for sku, location, quantity in rows:
        by_sku[sku][location] = int(quantity)
    return by_sku


async def watermark() -> int:
    """The newest movement id: every movement at or below it is in the balances read after."""
    (newest,) = (await _rows("SELECT MAX(id) FROM movement", []))[0]
    return int(newest or 0)


_MOVED = (
    "SELECT m.sku_id, m.id, m.quantity, m.source_location, m.source_bucket, "
    "m.destination_location, m.destination_bucket FROM movement m "
)
# Each SKU after its own watermark: the (sku_id, id) index read from there on, one range
# per SKU. As a plain join, the planner (which guesses 10 rows for any unnest) hashed the
# SKUs and scanned every movement of the ledger, on every sync of every channel: 9 ms at
# 18,000 movements, 226 ms at a million. A lateral subquery with an ORDER BY is never
# flattened into that join, so it stays a nested loop over the index (4 ms at a million).
_TAKINGS_POSTGRES = (
    "SELECT m.* FROM unnest(?::varchar[], ?::bigint[]) AS k (sku, mark) CROSS JOIN LATERAL "
    f"({_MOVED}WHERE m.sku_id = k.sku AND m.id > k.mark AND m.actor = ? ORDER BY m.id) AS m"
)
_TAKINGS_SQLITE = f"{_MOVED}WHERE m.actor = ? AND m.id > ?"


async def takings_since(
    channel: str, since: Mapping[str, int], sells_from: Sequence[str]
) -> dict[str, list[tuple[int, int]]]:
    """Per SKU, each movement of the channel's own orders after the SKU's watermark, as
    (movement id, units it took from `available` at `sells_from`, negative when it put
    units back)."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if not since:
        return found
    skus = sorted(since)
    if _dialect() == "postgres":
        rows = await _rows(_TAKINGS_POSTGRES, [skus, [since[sku] for sku in skus], channel])
    else:
        rows = []
        for chunk in chunks(skus, "sqlite"):
            after = min(since[sku] for sku in chunk)
            rows += await _among(_TAKINGS_SQLITE, [channel, after], "m.sku_id", chunk)
    places = set(sells_from)
    for sku, movement_id, quantity, source, source_bucket, destination, destination_bucket in rows:
        if movement_id <= since[sku]:
            continue
        units = 0
        if source_bucket == Bucket.AVAILABLE and source in places:
            units += quantity
        if destination_bucket == Bucket.AVAILABLE and destination in places:
            units -= quantity
        if units:
            found[sku].append((int(movement_id), int(units)))
    return found


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


async def _among(
    sql: str, params: Sequence[object], column: str, keys: Sequence[str], order: str = ""
) -> list[tuple[Any, ...]]:
    """The rows of `sql` (a WHERE clause) whose `column` is among `keys`, in `order` when
    given: in order overall, as `keys` are sorted and SQLite's chunks follow them."""
    dialect = _dialect()
    rows: list[tuple[Any, ...]] = []
    for chunk in chunks(keys, dialect):
        condition, values = among(column, chunk, dialect)
        tail = f" ORDER BY {order}" if order else ""
        rows += await _rows(f"{sql} AND {condition}{tail}", [*params, *values])
    return rows


async def _rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    _, found = await connection.execute_query(with_placeholders(sql, dialect), list(params))
    return [tuple(row) for row in found]
