"""Sync status read back from the database: per channel health, and listings by state.

Every process answers from here (not from the leader's memory), so the API, the CLI and
/metrics agree whichever process serves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise import connections
from tortoise.queryset import QuerySet

from syncbot import metrics
from syncbot.store import listings as store
from syncbot.store import sync_models


class ListingFilter(StrEnum):
    ALL = "all"
    QUARANTINED = "quarantined"
    HELD = "held"
    DRIFTING = "drifting"
    ABANDONED = "abandoned"
    """Its last push batch was refused whole too often: read again and re-planned."""
    MANAGED = "managed"
    """The storefront computes its quantity (a Shopify bundle product): never pushed."""


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    channel: str
    listings: int
    quarantined: int
    held: int
    drifting: int
    drift_units: int
    unlisted: int | None
    """Catalogue SKUs without a listing on the channel: never pushed there (None: not
    counted)."""
    synced_at: datetime | None
    error: str | None
    error_at: datetime | None
    failures: int
    drift_checked_at: datetime | None
    abandoned: int = 0
    """Listings whose last push batch was refused whole too often: read again, re-planned."""


async def channel_status(
    names: Sequence[str], *, with_unlisted: bool = True
) -> list[ChannelStatus]:
    """One line per channel, in the order given. `with_unlisted=False` leaves `unlisted`
    None: comparing the catalogue with the listings costs about 100 ms at 100,000 SKUs."""
    health = {row.channel: row for row in await sync_models.ChannelHealth.filter(channel__in=names)}
    answer = []
    for name in names:
        row = health.get(name)
        listings, quarantined, held, drifting, units, abandoned = await _counts(name)
        answer.append(
            ChannelStatus(
                name,
                listings,
                quarantined,
                held,
                drifting,
                units,
                unlisted=await store.unlisted_count(name) if with_unlisted else None,
                synced_at=row.synced_at if row else None,
                error=row.error if row else None,
                error_at=row.error_at if row else None,
                failures=row.failures if row else 0,
                drift_checked_at=row.drift_checked_at if row else None,
                abandoned=abandoned,
            )
        )
    return answer


async def listing_states(
    channel: str, which: ListingFilter = ListingFilter.ALL
) -> list[sync_models.ChannelListing]:
    return await _filtered(sync_models.ChannelListing.filter(channel=channel), which).order_by(
        "sku"
    )


async def listing_page(
    channel: str, which: ListingFilter, offset: int, limit: int
) -> list[sync_models.ChannelListing]:
    """One page of the channel's listings in state `which`, by SKU: a console page reads
    100 of 100,000 listings, never all."""
    query = _filtered(sync_models.ChannelListing.filter(channel=channel), which)
    return await query.order_by("sku", "id").offset(offset).limit(limit)


def listing_state(row: sync_models.ChannelListing) -> str:
    """One word for what holds a listing back, the most pressing first; "" for nothing."""
    if row.managed_by_storefront:
        return "managed"
    if row.quarantined_at is not None:
        return "quarantined"
    if row.abandoned_at is not None:
        return "abandoned"
    if row.held_since is not None:
        return "held"
    return ""


async def refresh_gauges(names: Sequence[str]) -> None:
    for status in await channel_status(names):
        metrics.DRIFT_UNITS.labels(status.channel).set(status.drift_units)
        metrics.DRIFTING_LISTINGS.labels(status.channel).set(status.drifting)
        metrics.QUARANTINED_LISTINGS.labels(status.channel).set(status.quarantined)
        metrics.HELD_LISTINGS.labels(status.channel).set(status.held)


# One pass over the channel's listings: counting each state in a query of its own read the
# 100,000 rows of a large channel five times.
# One statement, each count read from the index made for it (the channel's unique index,
# and migration 0014's partial ones, whose WHERE clauses these copy exactly), instead of a
# scan of every listing: about half of the channel page's time at 100k listings.
_COUNTS = """
SELECT (SELECT COUNT(*) FROM channel_listing WHERE channel = {0}),
       (SELECT COUNT(*) FROM channel_listing WHERE channel = {0} AND quarantined_at IS NOT NULL),
       (SELECT COUNT(*) FROM channel_listing WHERE channel = {0} AND held_since IS NOT NULL),
       (SELECT COUNT(*) FROM channel_listing WHERE channel = {0} AND drift <> 0),
       (SELECT COALESCE(SUM(ABS(drift)), 0) FROM channel_listing
        WHERE channel = {0} AND drift <> 0),
       (SELECT COUNT(*) FROM channel_listing WHERE channel = {0} AND abandoned_at IS NOT NULL)
"""


async def _counts(channel: str) -> tuple[int, int, int, int, int, int]:
    """listings, quarantined, held, drifting, the sum of |drift|, and abandoned."""
    connection = connections.get("default")
    mark = "$1" if connection.capabilities.dialect == "postgres" else "?1"
    _, rows = await connection.execute_query(_COUNTS.format(mark), [channel])
    listings, quarantined, held, drifting, units, abandoned = (int(value) for value in rows[0])
    return listings, quarantined, held, drifting, units, abandoned


def _filtered(
    query: QuerySet[sync_models.ChannelListing], which: ListingFilter
) -> QuerySet[sync_models.ChannelListing]:
    if which is ListingFilter.QUARANTINED:
        return query.filter(quarantined_at__isnull=False)
    if which is ListingFilter.HELD:
        return query.filter(held_since__isnull=False)
    if which is ListingFilter.ABANDONED:
        return query.filter(abandoned_at__isnull=False)
    if which is ListingFilter.MANAGED:
        return query.filter(managed_by_storefront=True)
    if which is ListingFilter.DRIFTING:
        return query.filter(drift__not=0, drift__isnull=False)
    return query
