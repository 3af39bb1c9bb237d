"""Reading and recording listing sync state: what the planner needs, what a read or a
drift check found, and the listings discovery keeps.

`ChannelListing` is re-exported so that sync/ can name the rows it is handed without
importing the ORM models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tortoise.expressions import Subquery
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from syncbot.ledger import Bucket
from syncbot.store import models, sync_days, sync_models
from syncbot.store.sync_models import ChannelListing

__all__ = [
    "ChannelListing",
    "DiscoveredListing",
    "available",
    "by_inventory_id",
    "clear_abandoned",
    "listings",
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


async def listings(
    channel: str, skus: Collection[str] | None = None
) -> list[sync_models.ChannelListing]:
    """The channel's listings that syncbot pushes, of the given SKUs or all of them, in SKU
    order: a listing the storefront manages itself is left out."""
    pushed = sync_models.ChannelListing.filter(channel=channel, managed_by_storefront=False)
    if skus is None:
        return await pushed.order_by("sku")
    found: list[sync_models.ChannelListing] = []
    for chunk in _chunks(sorted(skus)):
        found += await pushed.filter(sku__in=chunk)
    return sorted(found, key=lambda listing: listing.sku)


async def available(skus: Collection[str] | None = None) -> dict[str, dict[str, int]]:
    """`available` by SKU and location, read from the balance rows."""
    query = models.Balance.filter(bucket=str(Bucket.AVAILABLE))
    rows: list[tuple[str, str, int]] = []
    if skus is None:
        rows = await query.values_list("sku_id", "location_id", "quantity")
    else:
        for chunk in _chunks(sorted(skus)):
            rows += await query.filter(sku_id__in=chunk).values_list(
                "sku_id", "location_id", "quantity"
            )
    by_sku: dict[str, dict[str, int]] = defaultdict(dict)
    for sku, location, quantity in rows:
        by_sku[sku][location] = int(quantity)
    return by_sku


async def watermark() -> int:
    """The newest movement id: every movement at or below it is in the balances read after."""
    newest = await models.Movement.annotate(newest=Max("id")).first().values_list("newest")
    return int(newest[0] or 0) if newest else 0


async def takings_since(
    channel: str, since: Mapping[str, int], sells_from: Sequence[str]
) -> dict[str, list[tuple[int, int]]]:
    """Per SKU, each movement of the channel's own orders after the SKU's watermark, as
    (movement id, units it took from `available` at `sells_from`, negative when it put
    units back)."""
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if not since:
        return found
    places = set(sells_from)
    for chunk in _chunks(sorted(since)):
        rows = await models.Movement.filter(
            actor=channel, sku_id__in=chunk, id__gt=min(since[sku] for sku in chunk)
        ).values_list(
            "sku_id",
            "id",
            "quantity",
            "source_location",
            "source_bucket",
            "destination_location",
            "destination_bucket",
        )
        for (
            sku,
            movement_id,
            quantity,
            source,
            source_bucket,
            destination,
            destination_bucket,
        ) in rows:
            if movement_id <= since[sku]:
                continue
            units = 0
            if source_bucket == Bucket.AVAILABLE and source in places:
                units += quantity
            if destination_bucket == Bucket.AVAILABLE and destination in places:
                units -= quantity
            if units:
                found[sku].append((int(movement_id), int(units)))
    return found


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


async def by_inventory_id(
    channel: str, inventory_ids: Collection[str]
) -> dict[str, ChannelListing]:
    """The channel's listings with these inventory ids (those still stored), by id."""
    rows = await sync_models.ChannelListing.filter(
        channel=channel, inventory_id__in=list(inventory_ids)
    )
    return {row.inventory_id: row for row in rows}


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
