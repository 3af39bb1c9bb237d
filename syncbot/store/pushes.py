"""Push records: each change recorded `sending` before the call, then finished as the
channel answered (acknowledged, stale, failed) or abandoned after whole refusals.

Every finish writes the push rows, their listings and any outbox event in one
transaction, so a listing never shows a push its record does not.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger.events import EventName
from syncbot.store import outbox, sync_days, sync_models
from syncbot.store.listing_reads import ListingRow
from syncbot.store.sku_list import with_placeholders
from syncbot.store.sync_models import ListingPush

__all__ = [
    "ListingPush",
    "abandon",
    "abandon_gone",
    "count_refusal",
    "finish",
    "recent",
    "record_sending",
    "unfinished",
]


async def record_sending(
    channel: str, changes: Iterable[Mapping[str, Any]], watermark: int
) -> list[ListingPush]:
    """Records one batch of planned changes before it is sent; each gets a new key."""
    batch = uuid.uuid4()
    rows = [
        sync_models.ListingPush(
            channel=channel,
            batch=batch,
            idempotency_key=f"{channel}-{uuid.uuid4().hex}",
            watermark=watermark,
            **change,
        )
        for change in changes
    ]
    async with in_transaction() as connection:
        await sync_models.ListingPush.bulk_create(rows, using_db=connection)
        return await sync_models.ListingPush.filter(batch=batch).using_db(connection).order_by("id")


async def unfinished(channel: str) -> list[list[ListingPush]]:
    """Batches left `sending` by a process that stopped, each in its original order."""
    rows = await sync_models.ListingPush.filter(channel=channel, status="sending").order_by("id")
    batches: dict[uuid.UUID, list[ListingPush]] = defaultdict(list)
    for row in rows:
        batches[row.batch].append(row)
    return list(batches.values())


async def abandon_gone(pushes: Sequence[ListingPush], at: datetime) -> None:
    """Pushes whose listing discovery removed since: nothing is left to push to."""
    await sync_models.ListingPush.filter(id__in=[push.id for push in pushes]).update(
        status="abandoned", finished_at=at
    )


async def finish(
    channel: str,
    acknowledged: Sequence[tuple[ListingPush, ListingRow, int]],
    stale: Sequence[ListingPush],
    failed: Sequence[tuple[ListingPush, str]],
    at: datetime,
) -> None:
    """Records what the channel answered for one call, in one transaction.

    Acknowledgements (push, its listing, the quantity the channel now holds), the common
    case, are written as one batch of prepared UPDATEs per table. A stale listing's level becomes
    unknown, so the next plan reads it before any push. A failed one is quarantined: not
    pushed again until released, with a `listing_quarantined` event.
    """
    for push, _, quantity in acknowledged:
        push.status, push.acknowledged, push.finished_at = "acknowledged", quantity, at
    async with in_transaction() as connection:
        if acknowledged:
            await _acknowledge(connection, acknowledged, at)
            # Acknowledged: whatever was refused before, the channel takes it now.
            await (
                sync_models.ChannelListing.filter(
                    channel=channel,
                    inventory_id__in=[push.inventory_id for push, _, _ in acknowledged],
                    abandoned_at__isnull=False,
                )
                .using_db(connection)
                .update(abandoned_error=None, abandoned_at=None)
            )
        if stale:
            await (
                sync_models.ListingPush.filter(id__in=[push.id for push in stale])
                .using_db(connection)
                .update(status="stale", finished_at=at)
            )
            await (
                sync_models.ChannelListing.filter(
                    channel=channel, inventory_id__in=[push.inventory_id for push in stale]
                )
                .using_db(connection)
                .update(channel_quantity=None)
            )
        for push, error in failed:
            await (
                sync_models.ListingPush.filter(id=push.id)
                .using_db(connection)
                .update(status="failed", error=error, finished_at=at)
            )
            await (
                sync_models.ChannelListing.filter(channel=channel, inventory_id=push.inventory_id)
                .using_db(connection)
                .update(quarantined_error=error, quarantined_at=at)
            )
            payload = {"channel": channel, "sku": push.sku, "error": error}
            await outbox.write(EventName.LISTING_QUARANTINED, push.sku, payload, connection)
        answered = len(acknowledged) + len(stale) + len(failed)
        await sync_days.count(
            connection,
            channel,
            at,
            pushes=answered,
            failed_pushes=len(failed),
            quarantines=len(failed),
        )


# Plain statements sent as one batch each: Tortoise's bulk_update builds one CASE per column
# in Python, which for a call of 250 listings held the event loop for tens of milliseconds
# (a fifth of the service's CPU in a flash sale, and its slowest webhook answers).
_ACKNOWLEDGE = (
    "UPDATE listing_push SET status = 'acknowledged', acknowledged = ?, finished_at = ? "
    "WHERE id = ?"
)
_KNOW = (
    "UPDATE channel_listing SET channel_quantity = ?, pushed_quantity = ?, pushed_at = ?, "
    "push_watermark = ?, held_since = NULL WHERE id = ?"
)


async def _acknowledge(
    connection: BaseDBAsyncClient,
    acknowledged: Sequence[tuple[ListingPush, ListingRow, int]],
    at: datetime,
) -> None:
    dialect = connection.capabilities.dialect
    moment = ListingPush._meta.fields_map["finished_at"].to_db_value(at, ListingPush)
    await connection.execute_many(
        with_placeholders(_ACKNOWLEDGE, dialect),
        [[quantity, moment, push.id] for push, _, quantity in acknowledged],
    )
    await connection.execute_many(
        with_placeholders(_KNOW, dialect),
        [
            [quantity, quantity, moment, push.watermark, listing.id]
            for push, listing, quantity in acknowledged
        ],
    )


async def count_refusal(pushes: Sequence[ListingPush], attempts: int, error: str) -> None:
    """One more whole refusal of a batch that is sent again."""
    for push in pushes:
        push.attempts, push.error = attempts, error
    await sync_models.ListingPush.filter(id__in=[push.id for push in pushes]).update(
        attempts=attempts, error=error
    )


async def abandon(
    channel: str, pushes: Sequence[ListingPush], attempts: int, error: str, at: datetime
) -> None:
    """Abandons a batch refused whole too often, with a `push_abandoned` event.

    Its listings' levels become unknown: the next plan reads them before any push (a send
    whose answer was lost may have applied).
    """
    for push in pushes:
        push.attempts, push.error = attempts, error
    skus = [push.sku for push in pushes]
    async with in_transaction() as connection:
        await (
            sync_models.ListingPush.filter(id__in=[push.id for push in pushes])
            .using_db(connection)
            .update(attempts=attempts, error=error, status="abandoned", finished_at=at)
        )
        await (
            sync_models.ChannelListing.filter(
                channel=channel, inventory_id__in=[push.inventory_id for push in pushes]
            )
            .using_db(connection)
            .update(channel_quantity=None, abandoned_error=error, abandoned_at=at)
        )
        payload = {"channel": channel, "skus": skus, "attempts": attempts, "error": error}
        sku = skus[0] if len(skus) == 1 else ""
        await outbox.write(EventName.PUSH_ABANDONED, sku, payload, connection)
        await sync_days.count(
            connection, channel, at, pushes=len(pushes), failed_pushes=len(pushes)
        )


async def recent(channel: str, sku: str | None = None, limit: int = 50) -> list[ListingPush]:
    """The channel's pushes newest first, of one SKU or all."""
    query = sync_models.ListingPush.filter(channel=channel)
    if sku is not None:
        query = query.filter(sku=sku)
    return await query.order_by("-id").limit(limit)
