"""Reading stock: quantities per location from the balance table, and movement history."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce

from tortoise.functions import Sum

from syncbot.ledger import REAL_BUCKETS, Bucket, Quantities
from syncbot.store import models
from syncbot.store.catalogue import get_sku

MAX_HISTORY = 1000


@dataclass(frozen=True, slots=True)
class StockReport:
    sku: str
    name: str
    reorder_point: int | None
    locations: dict[str, Quantities] = field(default_factory=dict)
    average_cost: Decimal = Decimal(0)
    """The moving average unit cost over all locations (`ledger.costing`)."""
    stock_value: int = 0
    """What the stock on hand is worth, in millionths of the currency."""

    @property
    def total(self) -> Quantities:
        return reduce(Quantities.__add__, self.locations.values(), Quantities())


async def stock(code: str) -> StockReport:
    """One indexed read of the balance rows; raises UnknownSku."""
    sku = await get_sku(code)
    rows = await models.Balance.filter(
        sku_id=code, bucket__in=[str(b) for b in REAL_BUCKETS]
    ).values_list("location_id", "bucket", "quantity")
    buckets: dict[str, dict[Bucket, int]] = defaultdict(dict)
    for location, bucket, quantity in rows:
        buckets[location][Bucket(bucket)] = quantity
    return StockReport(
        sku=sku.code,
        name=sku.name,
        reorder_point=sku.reorder_point,
        locations={loc: Quantities.from_buckets(b) for loc, b in sorted(buckets.items())},
        average_cost=Decimal(sku.average_cost),
        stock_value=sku.stock_value,
    )


async def totals() -> dict[str, Quantities]:
    """Quantities over all locations of every SKU that has any, in one grouped query."""
    rows = (
        await models.Balance.filter(bucket__in=[str(b) for b in REAL_BUCKETS])
        .annotate(total=Sum("quantity"))
        .group_by("sku_id", "bucket")
        .values_list("sku_id", "bucket", "total")
    )
    buckets: dict[str, dict[Bucket, int]] = defaultdict(dict)
    for sku, bucket, total in rows:
        buckets[sku][Bucket(bucket)] = int(total)
    return {sku: Quantities.from_buckets(b) for sku, b in buckets.items()}


async def posting_movements(posting: uuid.UUID) -> list[models.Movement]:
    """The movements one posting recorded, in the order it recorded them."""
    return await models.Movement.filter(posting=posting).order_by("id")


async def history(code: str | None = None, limit: int = 50) -> list[models.Movement]:
    """Movements newest first, for one SKU (which must exist) or for all."""
    limit = max(1, min(limit, MAX_HISTORY))
    query = models.Movement.all()
    if code is not None:
        await get_sku(code)
        query = query.filter(sku_id=code)
    return await query.order_by("-id").limit(limit)


async def movement(movement_id: int) -> models.Movement | None:
    """One recorded movement by id; None when there is none."""
    return await models.Movement.get_or_none(id=movement_id)
