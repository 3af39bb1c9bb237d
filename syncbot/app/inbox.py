"""The webhook inbox as operators see it: what is unfinished, retry, skip."""

from __future__ import annotations

from syncbot.app.actor import Actor
from syncbot.ledger.limits import quoted
from syncbot.store import inbox, inbox_entries
from syncbot.store.inbox import (
    APPLIED,
    FAILED,
    IGNORED,
    NOT_FOUND,
    PENDING,
    SKIPPED,
    AlreadyClosed,
    InboxRefusal,
    UnknownDelivery,
)
from syncbot.store.inbox_entries import UNFINISHED, InboxEntry

__all__ = [
    "APPLIED",
    "FAILED",
    "IGNORED",
    "NOT_FOUND",
    "PENDING",
    "SKIPPED",
    "UNFINISHED",
    "AlreadyClosed",
    "InboxEntry",
    "InboxRefusal",
    "UnknownDelivery",
    "entry",
    "retry",
    "skip",
    "unfinished",
]


async def unfinished(
    limit: int = 100, status: str | None = None, offset: int = 0
) -> list[InboxEntry]:
    """Deliveries not applied or ignored yet, oldest first; only those in `status` when one
    is given. Raises InboxRefusal for a state a delivery not applied cannot be in."""
    _check_state(status)
    return await inbox_entries.unfinished(limit, status, offset)


def _check_state(status: str | None) -> None:
    if status is not None and status not in UNFINISHED:
        raise InboxRefusal(
            f"no delivery not applied is {quoted(status)}: use one of {', '.join(UNFINISHED)}"
        )


async def entry(delivery_id: int) -> InboxEntry | None:
    return await inbox_entries.entry(delivery_id)


async def retry(delivery_ids: list[int] | None = None, status: str | None = None) -> int:
    """Reopens the given (or every) delivery not applied, only those in `status` when one is
    given, due now; how many. Raises InboxRefusal for an unknown state."""
    _check_state(status)
    return await inbox.retry(delivery_ids, status)


async def skip(delivery_id: int, actor: Actor, reason: str) -> InboxEntry | None:
    """Closes a delivery unprocessed, naming who and why; raises UnknownDelivery,
    AlreadyClosed, or InboxRefusal for a blank reason. Answers the delivery as it is now."""
    await inbox.skip(delivery_id, actor.encode(), reason)
    return await inbox_entries.entry(delivery_id)
