"""The overview's reads: each a bounded, indexed query, so the page stays fast at 100k SKUs,
1M movements and 100k listings (the indexes are in migration 0014).

Lists read a few rows through an index in its order; counts read a partial index that holds
only the rows that need attention (oversold balances, listings in a state, failed
deliveries), so they cost what needs attention, not what the tables hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections

from syncbot.store import models, sync_models
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


# A SKU is low when available <= its reorder point, which no index can answer directly; but
# no SKU with more available than the highest reorder point can be low. So both reads walk
# the partial index sku(available, reorder_point, code) only up to that highest point (read
# from the partial index on reorder_point): they cost the SKUs near their reorder points,
# not the catalogue, and the index covers them.
_LOW_WHERE = """
WHERE reorder_point IS NOT NULL AND available <= reorder_point
  AND available <= (SELECT MAX(reorder_point) FROM sku WHERE reorder_point IS NOT NULL)
"""
_LOW = (
    "SELECT code, name, available, reorder_point FROM sku"
    + _LOW_WHERE
    + "ORDER BY available, code LIMIT {limit}"
)
_LOW_COUNT = "SELECT COUNT(*) AS n FROM sku" + _LOW_WHERE


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


@dataclass(frozen=True, slots=True)
class StateCount:
    listings: int
    drift_units: int
    """The sum of |drift| over the listings (drifting ones only; 0 for other states)."""


async def listing_counts(
    states: Sequence[ListingFilter],
) -> dict[ListingFilter, dict[str, StateCount]]:
    """How many listings of each channel are in each state: one statement, each part
    reading its partial index."""
    parts = [
        f"SELECT '{which.value}' AS state, channel, COUNT(*) AS n, "
        f"{'SUM(ABS(drift))' if which is ListingFilter.DRIFTING else '0'} AS units "
        f"FROM channel_listing WHERE {_STATE_SQL[which]} GROUP BY channel"
        for which in states
    ]
    answer: dict[ListingFilter, dict[str, StateCount]] = {which: {} for which in states}
    for row in await _rows(" UNION ALL ".join(parts)):
        count = StateCount(int(row["n"]), int(row["units"] or 0))
        answer[ListingFilter(str(row["state"]))][str(row["channel"])] = count
    return answer


# What the overview shows of a listing, and what `status.listing_state` reads.
_LISTING_COLUMNS = (
    "channel, sku, drift, quarantined_error, quarantined_at, abandoned_at, held_since"
)


async def listings_in(
    states: Sequence[ListingFilter], limit: int
) -> dict[ListingFilter, list[sync_models.ChannelListing]]:
    """The first `limit` listings in each state, by channel and SKU: one statement."""
    # Each part is a subquery, since SQLite refuses a parenthesised SELECT with a LIMIT.
    parts = [
        f"SELECT * FROM (SELECT '{which.value}' AS state, {_LISTING_COLUMNS} "
        f"FROM channel_listing WHERE {_STATE_SQL[which]} "
        f"ORDER BY channel, sku LIMIT {int(limit)}) AS part{number}"
        for number, which in enumerate(states)
    ]
    answer: dict[ListingFilter, list[sync_models.ChannelListing]] = {which: [] for which in states}
    for row in await _rows(" UNION ALL ".join(parts)):
        state = ListingFilter(str(row.pop("state")))
        answer[state].append(sync_models.ChannelListing(**row))
    return answer


@dataclass(frozen=True, slots=True)
class SyncHealth:
    """A channel's last sync and drift check, and its listings held back, per state.

    `status.channel_status` says the same and more, but counts unlisted SKUs by reading the
    whole catalogue per channel (seconds at 100k SKUs), and all listings (a scan of the
    table on PostgreSQL): the overview reads partial indexes only.
    """

    channel: str
    quarantined: int
    held: int
    drifting: int
    drift_units: int
    synced_at: datetime | None
    error: str | None
    error_at: datetime | None
    failures: int
    drift_checked_at: datetime | None


async def sync_health(names: Sequence[str]) -> list[SyncHealth]:
    """One line per channel, in the order given."""
    health = {row.channel: row for row in await sync_models.ChannelHealth.filter(channel__in=names)}
    counts = await listing_counts(
        (ListingFilter.QUARANTINED, ListingFilter.HELD, ListingFilter.DRIFTING)
    )
    none = StateCount(0, 0)
    answer = []
    for name in names:
        row = health.get(name)
        answer.append(
            SyncHealth(
                channel=name,
                quarantined=counts[ListingFilter.QUARANTINED].get(name, none).listings,
                held=counts[ListingFilter.HELD].get(name, none).listings,
                drifting=counts[ListingFilter.DRIFTING].get(name, none).listings,
                drift_units=counts[ListingFilter.DRIFTING].get(name, none).drift_units,
                synced_at=row.synced_at if row else None,
                error=row.error if row else None,
                error_at=row.error_at if row else None,
                failures=row.failures if row else 0,
                drift_checked_at=row.drift_checked_at if row else None,
            )
        )
    return answer


_FAILED = "SELECT * FROM inbox_delivery WHERE status = 'failed' ORDER BY id DESC LIMIT {limit}"
_FAILED_COUNT = "SELECT COUNT(*) AS n FROM inbox_delivery WHERE status = 'failed'"


async def failed_deliveries(limit: int) -> tuple[list[models.InboxDelivery], int]:
    """The latest failed inbox deliveries, newest first; and how many failed."""
    assert FAILED == "failed"  # written literally above, for the partial index
    found: Any = await models.InboxDelivery.raw(_FAILED.format(limit=int(limit)))
    rows: list[models.InboxDelivery] = list(found)
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
  ({low}) AS low,
  (SELECT MAX(synced_at) FROM channel_health) AS synced,
  (SELECT MAX(error_at) FROM channel_health) AS error,
  (SELECT MAX(drift_checked_at) FROM channel_health) AS checked,
  (SELECT SUM(failures) FROM channel_health) AS failures
"""


async def fingerprint() -> tuple[Any, ...]:
    """A value that changes whenever anything the overview shows changes."""
    row = (await _rows(_FINGERPRINT.format(low=_LOW_COUNT.replace(" AS n", ""))))[0]
    return tuple(str(value) for value in row.values())


async def _rows(sql: str, values: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql, list(values or [])))
