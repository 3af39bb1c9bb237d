"""What a SKU's card reads besides its balances: a page of its movements, its listings
with their last push, and its last days' changes summed per day (for the charts).

Each read is one indexed query: movements by (sku, id) and (sku, occurred_at), listings
by sku, pushes by (channel, inventory id, id). None sums more than the days asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise import connections

from syncbot.ledger.series import DayChange
from syncbot.store import models, sync_models
from syncbot.store.sku_list import with_placeholders


async def movements(code: str, limit: int, before: int | None = None) -> list[models.Movement]:
    """Up to `limit` of the SKU's movements, newest first, older than id `before`."""
    query = models.Movement.filter(sku_id=code)
    if before is not None:
        query = query.filter(id__lt=before)
    return await query.order_by("-id").limit(limit)


@dataclass(frozen=True, slots=True)
class ListedOn:
    """One channel's listing of the SKU, and the last push syncbot made to it."""

    listing: sync_models.ChannelListing
    last_push: sync_models.ListingPush | None


async def listings(code: str) -> list[ListedOn]:
    rows = await sync_models.ChannelListing.filter(sku=code).order_by("channel", "inventory_id")
    found = []
    for row in rows:
        push = (
            await sync_models.ListingPush.filter(channel=row.channel, inventory_id=row.inventory_id)
            .order_by("-id")
            .first()
        )
        found.append(ListedOn(row, push))
    return found


_DAYS_SQLITE = """
SELECT substr(occurred_at, 1, 10) AS day,
  SUM(CASE WHEN destination_bucket = 'available' THEN quantity ELSE 0 END)
  - SUM(CASE WHEN source_bucket = 'available' THEN quantity ELSE 0 END) AS available,
  SUM(CASE kind WHEN 'order_commit' THEN quantity WHEN 'order_cancel' THEN -quantity
      ELSE 0 END) AS sold
FROM movement WHERE sku_id = ? AND occurred_at >= ? GROUP BY day
"""
_DAYS_POSTGRES = _DAYS_SQLITE.replace(
    "substr(occurred_at, 1, 10)", "(occurred_at AT TIME ZONE 'UTC')::date"
)  # a cast, a third cheaper than to_char over 25k rows


async def daily_changes(code: str, since: datetime) -> dict[date, DayChange]:
    """The SKU's movements that occurred from `since` (UTC), summed per UTC day: the
    change of available and the units sold (commits minus cancellations)."""
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    moment: datetime | str = since
    sql = _DAYS_POSTGRES
    if dialect != "postgres":  # stored as 'YYYY-MM-DD HH:MM:SS+00:00' text: compare as text
        sql = _DAYS_SQLITE
        moment = since.astimezone(UTC).replace(microsecond=0).isoformat(sep=" ")
    _, rows = await connection.execute_query(with_placeholders(sql, dialect), [code, moment])
    return {_day(row["day"]): DayChange(int(row["available"]), int(row["sold"])) for row in rows}


def _day(value: date | str) -> date:
    """A day as the driver answers it: a date from asyncpg, ISO text from SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(value)
