"""Catch-up cursors: per channel, the newest order update already reconciled."""

from __future__ import annotations

from datetime import datetime

from syncbot.store import models


async def orders_cursor(channel: str) -> datetime | None:
    """Where the channel's next catch-up starts; None before its first one."""
    stored = await models.ChannelCursor.get_or_none(channel=channel)
    return stored.orders_updated_at if stored else None


async def save_orders_cursor(channel: str, cursor: datetime) -> None:
    await models.ChannelCursor.update_or_create(
        defaults={"orders_updated_at": cursor}, channel=channel
    )


async def mark_caught_up(channel: str, at: datetime) -> None:
    """Stamps the end of a whole catch-up run (nothing, before the first saved page)."""
    await models.ChannelCursor.filter(channel=channel).update(caught_up_at=at)
