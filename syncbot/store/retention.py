"""Retention: processed inbox and outbox rows older than a cut-off, deleted in small batches.

What goes, and what never does:
- inbox: deliveries closed as applied or ignored whose processing is older than the
  cut-off. Pending, failed, not_found and skipped rows stay for a person whatever their
  age. The cut-off is at least 7 days back (Settings), far beyond a storefront's retry
  window (Shopify and BigCommerce retry for 48 hours), so a delivery's event id outlives
  every retry it could still receive and dedupes it.
- outbox: events created before the cut-off that were delivered, and `stock_changed`
  events, which the change watcher reads by cursor within seconds and never marks. An
  alert event not yet delivered stays, unless no Slack alerter runs (`alerts_delivered`
  False), when nobody would ever deliver it.

Each batch is one short DELETE of at most `batch` rows by id, so a purge of millions of
rows never holds locks for long and postings interleave with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from syncbot.ledger.events import EventName
from syncbot.store import models
from syncbot.store.inbox import DONE

Row = TypeVar("Row", models.InboxDelivery, models.OutboxEvent)

BATCH = 5_000
READ_BY_CURSOR = (EventName.STOCK_CHANGED,)
"""Outbox events no consumer marks delivered: the change watcher reads them by id."""


@dataclass(frozen=True, slots=True)
class Purged:
    deliveries: int
    events: int


async def purge(before: datetime, *, alerts_delivered: bool, batch: int = BATCH) -> Purged:
    """Deletes processed inbox and outbox rows older than `before`, `batch` at a time."""
    deliveries = models.InboxDelivery.filter(status__in=DONE, processed_at__lt=before)
    events = models.OutboxEvent.filter(created_at__lt=before)
    if alerts_delivered:
        events = events.filter(Q(delivered_at__isnull=False) | Q(name__in=list(READ_BY_CURSOR)))
    return Purged(
        deliveries=await _delete_in_batches(deliveries, models.InboxDelivery, batch),
        events=await _delete_in_batches(events, models.OutboxEvent, batch),
    )


async def _delete_in_batches(chosen: QuerySet[Row], model: type[Row], batch: int) -> int:
    deleted = 0
    while True:
        ids = await chosen.order_by("id").limit(batch).values_list("id", flat=True)
        if not ids:
            return deleted
        deleted += await model.filter(id__in=list(ids)).delete()
        if len(ids) < batch:
            return deleted
