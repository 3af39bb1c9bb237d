"""Whole tables read a page at a time, by key (never OFFSET), for `export`: memory stays
bounded by one page whatever the size of the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from syncbot.ledger import REAL_BUCKETS, Bucket, Quantities
from syncbot.store import models

PAGE = 2_000

SKU_COLUMNS = (
    "code",
    "name",
    "reorder_point",
    "on_hand",
    "available",
    "incoming",
    "average_cost",
    "stock_value",
    "created_at",
)
MOVEMENT_COLUMNS = (
    "id",
    "posting",
    "kind",
    "sku_id",
    "quantity",
    "source_location",
    "source_bucket",
    "destination_location",
    "destination_bucket",
    "reason",
    "forced",
    "actor",
    "document",
    "unit_cost",
    "value",
    "cost_variance",
    "reverses",
    "occurred_at",
    "recorded_at",
)


async def count(kind: str, since: datetime | None) -> int:
    """How many rows `kind`'s pages hold (for a progress bar: it may grow meanwhile)."""
    if kind == "movements":
        query = models.Movement.all()
        return await (query.filter(occurred_at__gte=since) if since else query).count()
    if kind == "stock":
        return await models.Balance.filter(bucket=Bucket.AVAILABLE).count()
    skus = models.Sku.all()
    return await (skus.filter(created_at__gte=since) if since else skus).count()


async def sku_pages(since: datetime | None) -> AsyncIterator[list[tuple[Any, ...]]]:
    after = ""
    while True:
        query = models.Sku.filter(code__gt=after)
        if since is not None:
            query = query.filter(created_at__gte=since)
        rows = await query.order_by("code").limit(PAGE).values_list(*SKU_COLUMNS)
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def movement_pages(since: datetime | None) -> AsyncIterator[list[tuple[Any, ...]]]:
    after = 0
    while True:
        query = models.Movement.filter(id__gt=after)
        if since is not None:
            query = query.filter(occurred_at__gte=since)
        rows = await query.order_by("id").limit(PAGE).values_list(*MOVEMENT_COLUMNS)
        if not rows:
            return
        yield rows
        after = rows[-1][0]


async def stock_pages() -> AsyncIterator[list[tuple[str, str, Quantities]]]:
    """Each SKU's quantities per location where it has a balance row, by SKU and location."""
    after = ""
    buckets = [str(bucket) for bucket in REAL_BUCKETS]
    while True:
        codes = (
            await models.Sku.filter(code__gt=after)
            .order_by("code")
            .limit(PAGE // 4)
            .values_list("code", flat=True)
        )
        if not codes:
            return
        rows = await models.Balance.filter(sku_id__in=codes, bucket__in=buckets).values_list(
            "sku_id", "location_id", "bucket", "quantity"
        )
        held: dict[tuple[str, str], dict[Bucket, int]] = {}
        for sku, location, bucket, quantity in rows:
            held.setdefault((sku, location), {})[Bucket(bucket)] = quantity
        yield [
            (sku, location, Quantities.from_buckets(by_bucket))
            for (sku, location), by_bucket in sorted(held.items())
        ]
        after = str(codes[-1])
