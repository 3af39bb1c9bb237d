"""Small reads the use cases need that no other store module answers: one query each."""

from __future__ import annotations

from syncbot.store import models


async def parked_lines(sku: str | None = None) -> list[models.ParkedLine]:
    """Order and return lines waiting for their SKU (only `sku`'s when given), by channel,
    order and line."""
    query = models.ParkedLine.all() if sku is None else models.ParkedLine.filter(sku=sku)
    return await query.order_by("channel", "order_id", "line_id")


async def movement(movement_id: int) -> models.Movement | None:
    return await models.Movement.get_or_none(id=movement_id)


async def sku_exists(code: str) -> bool:
    return await models.Sku.exists(code=code)


async def listing_pushes(channel: str, sku: str | None, limit: int) -> list[models.ListingPush]:
    """A channel's pushes newest first, of one SKU or of all."""
    query = models.ListingPush.filter(channel=channel)
    if sku is not None:
        query = query.filter(sku=sku)
    return await query.order_by("-id").limit(limit)
