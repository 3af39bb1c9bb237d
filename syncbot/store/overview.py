"""The overview's reads: each a bounded, indexed query, so the page stays fast at 100k SKUs,
1M movements and 100k listings (the indexes are in migration 0014).

Lists read a few rows through an index in its order; counts read a partial index that holds
only the rows that need attention (oversold balances, listings in a state, failed
deliveries), so they cost what needs attention, not what the tables hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from syncbot.store import models
from syncbot.store.inbox import FAILED
from syncbot.store.status import ListingFilter


@dataclass(frozen=True, slots=True)
class LowStockRow:
    code: str
    name: str
    available: int
    reorder_point: int


@dataclass(frozen=True, slots=True)
class OversoldRow:
    sku: str
    location: str
    quantity: int


async def low_stock(limit: int) -> tuple[list[LowStockRow], int]:
    """SKUs at or below their reorder point, lowest available first; and how many there are.

    Read through the partial index on sku(available) over SKUs that have a reorder point:
    the list walks it in order and stops after `limit` matches.
    """
    rows = await _rows(_LOW.format(limit=int(limit)))
    return [
        LowStockRow(
            str(row["code"]), str(row["name"]), int(row["available"]), int(row["reorder_point"])
        )
        for row in rows
    ], int((await _rows(_LOW_COUNT))[0]["n"])


_LOW = """
SELECT code, name, available, reorder_point FROM sku
WHERE reorder_point IS NOT NULL AND available <= reorder_point
ORDER BY available, code LIMIT {limit}
"""
_LOW_COUNT = """
SELECT COUNT(*) AS n FROM sku WHERE reorder_point IS NOT NULL AND available <= reorder_point
"""


# 'available' is written literally, not bound, so both planners use the partial index.
_OVERSOLD = """
SELECT sku_id, location_id, quantity FROM balance
WHERE bucket = 'available' AND quantity < 0
ORDER BY quantity, sku_id, location_id LIMIT {limit}
"""
_OVERSOLD_COUNT = "SELECT COUNT(*) AS n FROM balance WHERE bucket = 'available' AND quantity < 0"


async def oversold(limit: int) -> tuple[list[OversoldRow], int]:
    """Locations whose available is below zero, most oversold first; and how many."""
    rows = await _rows(_OVERSOLD.format(limit=int(limit)))
    count = int((await _rows(_OVERSOLD_COUNT))[0]["n"])
    return [
        OversoldRow(str(row["sku_id"]), str(row["location_id"]), int(row["quantity"]))
        for row in rows
    ], count


# The states as `status._filtered` defines them, written literally (not as bound values) so
# that both planners match them to the partial indexes of migration 0014.
_STATE_SQL = {
    ListingFilter.QUARANTINED: "quarantined_at IS NOT NULL",
    ListingFilter.HELD: "held_since IS NOT NULL",
    ListingFilter.DRIFTING: "drift <> 0",  # NULL <> 0 is not true: unchecked is not drifting
    ListingFilter.ABANDONED: "abandoned_at IS NOT NULL",
}


async def listing_counts(which: ListingFilter) -> dict[str, int]:
    """How many listings of each channel are in state `which`."""
    sql = f"SELECT channel, COUNT(*) AS n FROM channel_listing WHERE {_STATE_SQL[which]} "
    rows = await _rows(sql + "GROUP BY channel")
    return {str(row["channel"]): int(row["n"]) for row in rows}


async def listings_in(which: ListingFilter, limit: int) -> list[models.ChannelListing]:
    """The first `limit` listings in state `which`, by channel and SKU."""
    sql = (
        f"SELECT id FROM channel_listing WHERE {_STATE_SQL[which]} "
        f"ORDER BY channel, sku LIMIT {int(limit)}"
    )
    ids = [int(row["id"]) for row in await _rows(sql)]
    found = await models.ChannelListing.filter(id__in=ids)
    return sorted(found, key=lambda row: (row.channel, row.sku))


_FAILED = "SELECT id FROM inbox_delivery WHERE status = 'failed' ORDER BY id DESC LIMIT {limit}"
_FAILED_COUNT = "SELECT COUNT(*) AS n FROM inbox_delivery WHERE status = 'failed'"


async def failed_deliveries(limit: int) -> tuple[list[models.InboxDelivery], int]:
    """The latest failed inbox deliveries, newest first; and how many failed."""
    assert FAILED == "failed"  # written literally above, for the partial index
    ids = [int(row["id"]) for row in await _rows(_FAILED.format(limit=int(limit)))]
    rows = sorted(await models.InboxDelivery.filter(id__in=ids), key=lambda row: -row.id)
    return rows, int((await _rows(_FAILED_COUNT))[0]["n"])


async def parked(limit: int) -> tuple[list[models.ParkedLine], int]:
    """The latest parked lines, newest first; and how many are parked."""
    return (
        await models.ParkedLine.all().order_by("-id").limit(limit),
        await models.ParkedLine.all().count(),
    )


async def latest_movements(limit: int) -> list[models.Movement]:
    return await models.Movement.all().order_by("-id").limit(limit)


# What the overview shows, in one cheap read: the newest ids of what only grows, and
# the counts of what needs attention (read from partial indexes). Any change the page would
# show changes one of these numbers.
_FINGERPRINT = """
SELECT
  (SELECT MAX(id) FROM movement) AS movement,
  (SELECT MAX(id) FROM outbox_event) AS outbox,
  (SELECT MAX(id) FROM inbox_delivery) AS delivery,
  (SELECT COUNT(*) FROM inbox_delivery WHERE status = 'failed') AS failed,
  (SELECT MAX(id) FROM parked_line) AS parked_id,
  (SELECT COUNT(*) FROM parked_line) AS parked,
  (SELECT MAX(id) FROM listing_push) AS push,
  (SELECT COUNT(*) FROM channel_listing WHERE quarantined_at IS NOT NULL) AS quarantined,
  (SELECT COUNT(*) FROM channel_listing WHERE held_since IS NOT NULL) AS held,
  (SELECT COUNT(*) FROM channel_listing WHERE abandoned_at IS NOT NULL) AS abandoned,
  (SELECT COUNT(*) FROM channel_listing WHERE drift <> 0) AS drifting,
  (SELECT SUM(drift) FROM channel_listing WHERE drift <> 0) AS drift,
  (SELECT COUNT(*) FROM sku WHERE reorder_point IS NOT NULL AND available <= reorder_point)
    AS low,
  (SELECT MAX(synced_at) FROM channel_health) AS synced,
  (SELECT MAX(error_at) FROM channel_health) AS error,
  (SELECT MAX(drift_checked_at) FROM channel_health) AS checked,
  (SELECT SUM(failures) FROM channel_health) AS failures
"""


async def fingerprint() -> tuple[Any, ...]:
    """A value that changes whenever anything the overview shows changes."""
    row = (await _rows(_FINGERPRINT))[0]
    return tuple(str(value) for value in row.values())


async def _rows(sql: str, values: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql, list(values or [])))
