"""Retention of the inbox and the outbox: the leader's daily clean-up (syncbot.store.retention)."""

from __future__ import annotations

from datetime import datetime, timedelta

from syncbot.store import retention
from syncbot.store.retention import Purged

__all__ = ["Purged", "purge"]


async def purge(days: int, now: datetime, *, alerts_delivered: bool) -> Purged:
    """Deletes processed inbox and outbox rows older than `days` days before `now`."""
    if days < 1:
        raise ValueError("retention keeps rows for at least a day; 0 days means keep them all")
    before = now - timedelta(days=days)
    return await retention.purge(before, alerts_delivered=alerts_delivered)
