"""Sync status read back from the database: per channel health, and listings by state.

Every process answers from here (not from the leader's memory), so the API, the CLI and
/metrics agree whichever process serves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from syncbot import metrics
from syncbot.store import listings as store
from syncbot.store import models


class ListingFilter(StrEnum):
    ALL = "all"
    QUARANTINED = "quarantined"
    HELD = "held"
    DRIFTING = "drifting"
    ABANDONED = "abandoned"
    """Its last push batch was refused whole too often: read again and re-planned."""


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    channel: str
    listings: int
    quarantined: int
    held: int
    drifting: int
    drift_units: int
    unlisted: int
    """Catalogue SKUs without a listing on the channel: never pushed there."""
    synced_at: datetime | None
    error: str | None
    error_at: datetime | None
    failures: int
    drift_checked_at: datetime | None
    abandoned: int = 0
    """Listings whose last push batch was refused whole too often: read again, re-planned."""


async def channel_status(names: Sequence[str]) -> list[ChannelStatus]:
    """One line per channel, in the order given."""
    health = {row.channel: row for row in await models.ChannelHealth.filter(channel__in=names)}
    counts = {name: await _counts(name) for name in names}
    answer = []
    for name in names:
        row = health.get(name)
        answer.append(
            ChannelStatus(
                name,
                *counts[name],
                unlisted=await store.unlisted_count(name),
                synced_at=row.synced_at if row else None,
                error=row.error if row else None,
                error_at=row.error_at if row else None,
                failures=row.failures if row else 0,
                drift_checked_at=row.drift_checked_at if row else None,
                abandoned=await _filtered(
                    models.ChannelListing.filter(channel=name), ListingFilter.ABANDONED
                ).count(),
            )
        )
    return answer


async def listing_states(
    channel: str, which: ListingFilter = ListingFilter.ALL
) -> list[models.ChannelListing]:
    return await _filtered(models.ChannelListing.filter(channel=channel), which).order_by("sku")


async def listing_page(
    channel: str, which: ListingFilter, offset: int, limit: int
) -> list[models.ChannelListing]:
    """One page of the channel's listings in state `which`, by SKU: a console page reads
    100 of 100,000 listings, never all."""
    query = _filtered(models.ChannelListing.filter(channel=channel), which)
    return await query.order_by("sku", "id").offset(offset).limit(limit)


def listing_state(row: models.ChannelListing) -> str:
    """One word for what holds a listing back, the most pressing first; "" for nothing."""
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


async def _counts(channel: str) -> tuple[int, int, int, int, int]:
    """listings, quarantined, held, drifting, and the sum of |drift| over the drifting."""
    listings = models.ChannelListing.filter(channel=channel)
    drifting = _filtered(listings, ListingFilter.DRIFTING)
    # Summed by the database, above and below zero apart: |drift| without loading a row.
    over = await drifting.filter(drift__gt=0).annotate(units=Sum("drift")).values_list("units")
    under = await drifting.filter(drift__lt=0).annotate(units=Sum("drift")).values_list("units")
    return (
        await listings.count(),
        await _filtered(listings, ListingFilter.QUARANTINED).count(),
        await _filtered(listings, ListingFilter.HELD).count(),
        await drifting.count(),
        _whole(over) - _whole(under),
    )


def _whole(rows: Sequence[Sequence[object]]) -> int:
    """A SUM read back: one row, None over no rows; a Decimal or text on some backends."""
    value = rows[0][0] if rows and rows[0] else None
    return 0 if value is None else int(str(value))


def _filtered(
    query: QuerySet[models.ChannelListing], which: ListingFilter
) -> QuerySet[models.ChannelListing]:
    if which is ListingFilter.QUARANTINED:
        return query.filter(quarantined_at__isnull=False)
    if which is ListingFilter.HELD:
        return query.filter(held_since__isnull=False)
    if which is ListingFilter.ABANDONED:
        return query.filter(abandoned_at__isnull=False)
    if which is ListingFilter.DRIFTING:
        return query.filter(drift__not=0, drift__isnull=False)
    return query
