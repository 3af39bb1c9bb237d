"""What a sync records when the channel does not take a push, each with its outbox event:
a listing quarantined by a per-item error, a batch refused whole, the channel's health.

Batches the channel refuses whole are counted, resent a bounded number of times, then
abandoned, so one refused batch never stalls a channel.

A whole call can fail for the batch (Shopify answers INVALID_VARIABLE for one quantity
beyond its `Int`, and nothing in the call applies) or for the channel (down, throttled past
every retry, a revoked token). The pusher cannot tell them apart, and need not: a batch is
resent under the same keys until it has been refused `SENDS` times, counted in the database
so that a restart does not reset the count, and then abandoned. Abandoning is always safe:
its listings are read again before any new plan (a send whose answer was lost may have
applied), re-planned from current balances, and sent alone, so a listing the channel keeps
refusing can only fail its own call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from syncbot import metrics
from syncbot.store import models

log = logging.getLogger(__name__)

SENDS = 3
"""Sends of a batch the channel refuses whole before it is abandoned."""

ABANDONED = "push_abandoned"
"""The outbox event raised when a batch is abandoned; the Slack alerts post it."""

REPEATED_FAILURES = 3
"""Consecutive failed syncs of a channel that raise a `sync_failing` outbox event."""


async def record_refusal(
    channel: str, rows: Sequence[models.ListingPush], error: str, at: datetime
) -> bool:
    """Counts one whole refusal of a recorded batch; abandons it at the bound (True then)."""
    attempts = max(row.attempts for row in rows) + 1
    ids = [row.id for row in rows]
    for row in rows:
        row.attempts, row.error = attempts, error
    if attempts < SENDS:
        await models.ListingPush.filter(id__in=ids).update(attempts=attempts, error=error)
        log.warning(
            "push batch refused whole; it is sent again in the next sync",
            extra={"channel": channel, "listings": len(rows), "attempts": attempts, "error": error},
        )
        return False
    skus = [row.sku for row in rows]
    async with in_transaction() as connection:
        await (
            models.ListingPush.filter(id__in=ids)
            .using_db(connection)
            .update(attempts=attempts, error=error, status="abandoned", finished_at=at)
        )
        # Unknown until read again: the next plan reads these before any push.
        await (
            models.ChannelListing.filter(
                channel=channel, inventory_id__in=[row.inventory_id for row in rows]
            )
            .using_db(connection)
            .update(channel_quantity=None, abandoned_error=error, abandoned_at=at)
        )
        await models.OutboxEvent.create(
            name=ABANDONED,
            sku=skus[0] if len(skus) == 1 else "",
            payload={"channel": channel, "skus": skus, "attempts": attempts, "error": error},
            using_db=connection,
        )
    metrics.LISTING_PUSHES.labels(channel, "abandoned").inc(len(rows))
    log.warning(
        "push batch abandoned after repeated whole refusals; its listings are read again",
        extra={"channel": channel, "skus": skus[:20], "attempts": attempts, "error": error},
    )
    return True


async def clear_abandoned(channel: str, inventory_ids: Sequence[str]) -> None:
    """Ends the abandoned state of listings found in sync after their re-read."""
    if inventory_ids:
        await models.ChannelListing.filter(
            channel=channel, inventory_id__in=list(inventory_ids)
        ).update(abandoned_error=None, abandoned_at=None)


async def quarantine(
    connection: BaseDBAsyncClient,
    channel: str,
    push: models.ListingPush,
    error: str,
    at: datetime,
) -> None:
    """A per-item error: the listing is not pushed again until released."""
    await (
        models.ListingPush.filter(id=push.id)
        .using_db(connection)
        .update(status="failed", error=error, finished_at=at)
    )
    await (
        models.ChannelListing.filter(channel=channel, inventory_id=push.inventory_id)
        .using_db(connection)
        .update(quarantined_error=error, quarantined_at=at)
    )
    await models.OutboxEvent.create(
        name="listing_quarantined",
        sku=push.sku,
        payload={"channel": channel, "sku": push.sku, "error": error},
        using_db=connection,
    )
    log.warning("listing quarantined", extra={"channel": channel, "sku": push.sku, "error": error})


async def record_health(channel: str, error: str | None, at: datetime) -> None:
    """A sync without a whole-call error, or one more failure in a row."""
    await models.ChannelHealth.get_or_create(channel=channel)
    health = models.ChannelHealth.filter(channel=channel)
    if error is None:
        await health.update(synced_at=at, error=None, failures=0)
    else:
        await health.update(error=error, error_at=at, failures=F("failures") + 1)
        metrics.SYNC_FAILURES.labels(channel).inc()
        log.warning("channel sync failed", extra={"channel": channel, "error": error})
        row = await health.first()
        failures = row.failures if row else 0
        # One event when failing becomes a pattern, not one per attempt: a channel down
        # for an hour would otherwise fill the alert channel.
        if failures == REPEATED_FAILURES:
            await models.OutboxEvent.create(
                name="sync_failing",
                sku="",
                payload={"channel": channel, "failures": failures, "error": error},
            )
