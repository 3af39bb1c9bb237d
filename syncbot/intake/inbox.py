"""The inbox: raw deliveries stored before the storefront's 200, deduplicated per channel."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from connectors.base import Delivery
from syncbot.store import models

# A delivery that keeps failing is left for a person after this many tries; its error is
# on the row and in `syncbot inbox` (the storefront will not resend a delivery we took).
MAX_ATTEMPTS = 5


async def store(channel: str, delivery: Delivery, body: bytes) -> bool:
    """Keeps a delivery; False when the channel already delivered this event."""
    try:
        await models.InboxDelivery.create(
            channel=channel,
            event_id=delivery.event_id,
            topic=delivery.topic,
            headers=dict(delivery.headers),
            body=body,
        )
    except IntegrityError:
        return False
    return True


async def pending(limit: int = 100) -> list[models.InboxDelivery]:
    """Unprocessed deliveries, oldest first, that have tries left."""
    return (
        await models.InboxDelivery.filter(processed_at=None, attempts__lt=MAX_ATTEMPTS)
        .order_by("id")
        .limit(limit)
    )


async def mark_processed(delivery_id: int) -> None:
    await models.InboxDelivery.filter(id=delivery_id).update(
        processed_at=datetime.now(UTC), attempts=F("attempts") + 1, last_error=None
    )


async def mark_failed(delivery_id: int, error: str, *, final: bool = False) -> None:
    """Records a failed try; a final one (a delivery that can never be read) stops retries."""
    attempts = MAX_ATTEMPTS if final else F("attempts") + 1
    await models.InboxDelivery.filter(id=delivery_id).update(
        attempts=attempts, last_error=error[:2000]
    )


async def unfinished(limit: int = 100) -> list[models.InboxDelivery]:
    """Deliveries not processed yet, waiting or given up on, oldest first."""
    return await models.InboxDelivery.filter(processed_at=None).order_by("id").limit(limit)


async def retry(delivery_ids: list[int] | None = None) -> int:
    """Gives unprocessed deliveries their tries back (all when no ids); the next sweep runs them."""
    query = models.InboxDelivery.filter(processed_at=None)
    if delivery_ids is not None:
        query = query.filter(id__in=delivery_ids)
    return await query.update(attempts=0)
