"""Reading and recording listing sync state: what the planner needs (read as plain rows in
`listing_reads`, re-exported here), what a read or a drift check found, and the listings
discovery keeps.

`ChannelListing` is re-exported so that app/ can name the rows it is handed without
importing the ORM models.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from syncbot.store import models, sync_days, sync_models
from syncbot.store.listing_reads import (
    ListingRow,
    available,
    listings,
    pushable,
    takings_since,
    watermark,
)
from syncbot.store.sync_models import ChannelListing

__all__ = [
    "ChannelListing",
    "DiscoveredListing",
    "ListingRow",
    "available",
    "clear_abandoned",
    "listings",
    "pushable",
    "quarantined",
    "record_drift",
    "record_holds",
    "record_levels",
    "release",
    "replace_listings",
    "takings_since",
    "unlisted",
    "watermark",
]

# SQLite allows 32,766 bound values per statement; stay far below it.
_CHUNK = 500


async def record_levels(channel: str, levels: Mapping[str, int], at: datetime) -> None:
    """What a read found the channel holding, by inventory id."""
    async with in_transaction() as connection:
        for inventory_id, quantity in levels.items():
            await (
                sync_models.ChannelListing.filter(channel=channel, inventory_id=inventory_id)
                .using_db(connection)
                .update(channel_quantity=quantity, read_at=at)
            )


async def record_holds(channel: str, held: Mapping[str, datetime | None]) -> None:
    """Starts or ends holds, by inventory id (None ends one)."""
    async with in_transaction() as connection:
        for inventory_id, since in held.items():
            await (
                sync_models.ChannelListing.filter(channel=channel, inventory_id=inventory_id)
                .using_db(connection)
                .update(held_since=since)
            )


async def unlisted(channel: str) -> list[str]:
    """SKUs in the catalogue that the channel has no listing for: never pushed there."""
    listed = set(
        await sync_models.ChannelListing.filter(channel=channel).values_list("sku", flat=True)
    )
    codes = await models.Sku.all().order_by("code").values_list("code", flat=True)
    return [str(code) for code in codes if code not in listed]


async def unlisted_count(channel: str) -> int:
    """How many catalogue SKUs the channel has no listing for, counted by the database."""
    listed = Subquery(sync_models.ChannelListing.filter(channel=channel).values("sku"))
    return await models.Sku.exclude(code__in=listed).count()


async def quarantined(channel: str | None = None) -> list[sync_models.ChannelListing]:
    query = sync_models.ChannelListing.filter(quarantined_at__isnull=False)
    if channel is not None:
        query = query.filter(channel=channel)
    return await query.order_by("channel", "sku")


async def release(channel: str, skus: Collection[str] | None = None) -> int:
    """Lifts quarantine from some or all of a channel's listings; how many were lifted."""
    query = sync_models.ChannelListing.filter(channel=channel, quarantined_at__isnull=False)
    if skus is not None:
        query = query.filter(sku__in=list(skus))
    return await query.update(quarantined_at=None, quarantined_error=None)


async def clear_abandoned(channel: str, inventory_ids: Sequence[str]) -> None:
    """Ends the abandoned state of listings found in sync after their re-read."""
    if inventory_ids:
        await sync_models.ChannelListing.filter(
            channel=channel, inventory_id__in=list(inventory_ids)
        ).update(abandoned_error=None, abandoned_at=None)


async def record_drift(channel: str, readings: Mapping[str, tuple[int, int]], at: datetime) -> None:
    """A drift check's reading of each listing, by inventory id: (channel level, drift);
    stamped on the channel's health in the same transaction."""
    async with in_transaction() as connection:
        for inventory_id, (channel_quantity, drift) in readings.items():
            await (
                sync_models.ChannelListing.filter(channel=channel, inventory_id=inventory_id)
                .using_db(connection)
                .update(
                    channel_quantity=channel_quantity,
                    read_at=at,
                    drift=drift,
                    drift_checked_at=at,
                )
            )
        health, _ = await sync_models.ChannelHealth.get_or_create(
            channel=channel, using_db=connection
        )
        health.drift_checked_at = at
        await health.save(using_db=connection)
        drifting = sum(1 for _, drift in readings.values() if drift)
        await sync_days.count_drift_check(connection, channel, at, drifting)


class DiscoveredListing(Protocol):
    """What discovery found on the channel for one listing (a connector's `Listing`)."""

    @property
    def sku(self) -> str: ...
    @property
    def listing_id(self) -> str: ...
    @property
    def managed_by_storefront(self) -> bool: ...


async def replace_listings(channel: str, usable: Mapping[str, DiscoveredListing]) -> None:
    """Keeps the sync state of listings still listed with the same SKU (by inventory id),
    with whether the storefront manages them as found now; replaces the rest with
    `usable`, in one transaction."""
    async with in_transaction() as connection:
        stored = await sync_models.ChannelListing.filter(channel=channel).using_db(connection)
        kept = {
            row.inventory_id
            for row in stored
            if row.inventory_id in usable
            and usable[row.inventory_id].sku == row.sku
            and usable[row.inventory_id].listing_id == row.listing_id
        }
        await (
            sync_models.ChannelListing.filter(channel=channel, inventory_id__not_in=list(kept))
            .using_db(connection)
            .delete()
        )
        for managed in (True, False):
            changed = [
                row.inventory_id
                for row in stored
                if row.inventory_id in kept
                and row.managed_by_storefront != managed
                and usable[row.inventory_id].managed_by_storefront == managed
            ]
            for chunk in _chunks(changed):
                await (
                    sync_models.ChannelListing.filter(channel=channel, inventory_id__in=list(chunk))
                    .using_db(connection)
                    .update(managed_by_storefront=managed)
                )
        await sync_models.ChannelListing.bulk_create(
            [
                sync_models.ChannelListing(
                    channel=channel,
                    sku=item.sku,
                    listing_id=item.listing_id,
                    inventory_id=inventory_id,
                    managed_by_storefront=item.managed_by_storefront,
                )
                for inventory_id, item in usable.items()
                if inventory_id not in kept
            ],
            using_db=connection,
        )


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
