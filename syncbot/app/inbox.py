"""The webhook inbox as operators see it: what is unfinished, retry, skip."""

from __future__ import annotations

from syncbot.app.actor import Actor
from syncbot.store import inbox
from syncbot.store.inbox import (
    APPLIED,
    FAILED,
    IGNORED,
    NOT_FOUND,
    PENDING,
    SKIPPED,
    AlreadyClosed,
    InboxEntry,
    InboxRefusal,
    UnknownDelivery,
)

__all__ = [
    "APPLIED",
    "FAILED",
    "IGNORED",
    "NOT_FOUND",
    "PENDING",
    "SKIPPED",
    "AlreadyClosed",
    "InboxEntry",
    "InboxRefusal",
    "UnknownDelivery",
    "entry",
    "retry",
    "skip",
    "unfinished",
]


async def unfinished(limit: int = 100) -> list[InboxEntry]:
    """Deliveries not applied or ignored yet, oldest first."""
    return await inbox.unfinished(limit)


async def entry(delivery_id: int) -> InboxEntry | None:
    return await inbox.entry(delivery_id)


async def retry(delivery_ids: list[int] | None = None) -> int:
    """Reopens the given (or every) delivery not applied, due now; how many."""
    return await inbox.retry(delivery_ids)


async def skip(delivery_id: int, actor: Actor, reason: str) -> InboxEntry | None:
    """Closes a delivery unprocessed, naming who and why; raises UnknownDelivery,
    AlreadyClosed, or InboxRefusal for a blank reason. Answers the delivery as it is now."""
    await inbox.skip(delivery_id, actor.encode(), reason)
    return await inbox.entry(delivery_id)
