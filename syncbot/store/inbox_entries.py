"""The inbox as people read it: each delivery not applied, its error made a sentence.

Errors stored before intake worded them as sentences (a bare `'restock_type'` from a
KeyError, or `KeyError('x')`) are reworded as they are read. Changing deliveries by hand
(retry, skip) is the inbox's own (`store.inbox`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from syncbot.store import models
from syncbot.store.inbox import DONE, FAILED, MAX_ATTEMPTS, NOT_FOUND, PENDING, SKIPPED


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One delivery not applied, as `inbox list` and `GET /api/inbox` show it."""

    id: int
    channel: str
    topic: str
    event_id: str
    status: str
    error: str | None
    """Readable: why it failed, was not found, or was skipped (and by whom)."""
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    received_at: datetime
    closed_at: datetime | None
    closed_by: str | None


def readable(stored: str | None) -> str | None:
    """A stored error as a sentence: raw KeyError text and exception reprs are reworded."""
    if stored is None:
        return None
    if _BARE_KEY.fullmatch(stored):
        return f"the payload has no {stored}"
    if (found := _REPR.fullmatch(stored)) is not None:
        name, inner = found.groups()
        if name == "KeyError" and _BARE_KEY.fullmatch(inner):
            return f"the payload has no {inner}"
        return f"{name}: {inner.strip() or 'no message'}"
    prefix, colon, tail = stored.rpartition(": ")
    if colon and _BARE_KEY.fullmatch(tail):
        return f"{prefix}: the payload has no {tail}"
    return stored


_BARE_KEY = re.compile(r"'([^'\n]{1,200})'")
_REPR = re.compile(r"(\w+(?:Error|Exception))\((.*)\)", re.DOTALL)


def entry_of(row: models.InboxDelivery) -> InboxEntry:
    """A delivery row as people read it (its error made readable)."""
    return InboxEntry(
        id=row.id,
        channel=row.channel,
        topic=row.topic,
        event_id=row.event_id,
        status=row.status,
        error=readable(row.last_error),
        attempts=row.attempts,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=row.next_attempt_at if row.status == PENDING else None,
        received_at=row.received_at,
        closed_at=row.processed_at,
        closed_by=row.closed_by,
    )


UNFINISHED = (PENDING, FAILED, NOT_FOUND, SKIPPED)
"""The states a delivery not applied can be in, as lists filter by them."""


async def unfinished(
    limit: int = 100, status: str | None = None, offset: int = 0
) -> list[InboxEntry]:
    """Deliveries not applied, oldest first: waiting, retrying, failed, not found, skipped;
    only those in `status` when one is given (a done or unknown state lists nothing)."""
    query = models.InboxDelivery.exclude(status__in=DONE)
    if status is not None:
        query = query.filter(status=status)
    rows = await query.order_by("id").offset(offset).limit(limit)
    return [entry_of(row) for row in rows]


async def entry(delivery_id: int) -> InboxEntry | None:
    row = await models.InboxDelivery.get_or_none(id=delivery_id)
    return None if row is None else entry_of(row)
