"""A channel's sync health: when it last synced cleanly, and its failures in a row."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import F

from syncbot.store import sync_days, sync_models


async def record_sync(channel: str, error: str | None, at: datetime) -> int:
    """A sync without a whole-call error (the count goes back to 0), or one more failure
    in a row; the failures in a row after it."""
    await sync_models.ChannelHealth.get_or_create(channel=channel)
    health = sync_models.ChannelHealth.filter(channel=channel)
    if error is None:
        await health.update(synced_at=at, error=None, failures=0)
        return 0
    await health.update(error=error, error_at=at, failures=F("failures") + 1)
    await sync_days.count(None, channel, at, sync_failures=1)
    row = await health.first()
    return row.failures if row else 0
