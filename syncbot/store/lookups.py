"""Small reads the use cases need that no other store module answers: one query each."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import connections

from syncbot.store import models, sync_models


async def parked_lines(sku: str | None = None) -> list[models.ParkedLine]:
    """Order and return lines waiting for their SKU (only `sku`'s when given), by channel,
    order and line."""
    query = models.ParkedLine.all() if sku is None else models.ParkedLine.filter(sku=sku)
    return await query.order_by("channel", "order_id", "line_id")


# One row per SKU code lines are parked for, with what the page shows of the group; lines
# that name no SKU ("") last. COUNT(DISTINCT channel || order) counts orders per channel.
_PARKED_GROUPS = """
SELECT sku, COUNT(*) AS line_count, SUM(quantity) AS quantity,
       COUNT(DISTINCT channel || ':' || order_id) AS orders
FROM parked_line GROUP BY sku ORDER BY sku = '', sku LIMIT {limit} OFFSET {offset}
"""


@dataclass(frozen=True, slots=True)
class ParkedGroupRow:
    sku: str
    line_count: int
    quantity: int
    orders: int


async def parked_groups(limit: int, offset: int) -> list[ParkedGroupRow]:
    """A page of parked lines grouped by the SKU code they name, by code."""
    sql = _PARKED_GROUPS.format(limit=int(limit), offset=int(offset))
    rows = await connections.get("default").execute_query_dict(sql)
    return [
        ParkedGroupRow(
            str(row["sku"]), int(row["line_count"]), int(row["quantity"]), int(row["orders"])
        )
        for row in rows
    ]


async def parked_lines_of(sku: str, limit: int) -> list[models.ParkedLine]:
    """The oldest `limit` lines parked for one SKU code: the sku index, in id order."""
    return await models.ParkedLine.filter(sku=sku).order_by("id").limit(limit)


async def movement(movement_id: int) -> models.Movement | None:
    return await models.Movement.get_or_none(id=movement_id)


async def sku_exists(code: str) -> bool:
    return await models.Sku.exists(code=code)


async def listing_pushes(
    channel: str, sku: str | None, limit: int
) -> list[sync_models.ListingPush]:
    """A channel's pushes newest first, of one SKU or of all."""
    query = sync_models.ListingPush.filter(channel=channel)
    if sku is not None:
        query = query.filter(sku=sku)
    return await query.order_by("-id").limit(limit)
