"""Reads for people: a SKU's card, search, low stock and recent adjustments.

Each is a handful of indexed queries, so a Slack command answers well inside its three
seconds with a large catalogue (bench/slack_stock.py measures it).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.functions import Sum

from syncbot.ledger import Bucket, MovementKind
from syncbot.store import models, sync_models
from syncbot.store.stock import StockReport, stock

ADJUSTMENT_KINDS = (
    MovementKind.RECEIVE,
    MovementKind.DAMAGE,
    MovementKind.WRITE_OFF,
    MovementKind.COUNT,
    MovementKind.TRANSFER,
    MovementKind.ADJUST,
)
_SALES = (MovementKind.ORDER_COMMIT, MovementKind.ORDER_CANCEL)


@dataclass(frozen=True, slots=True)
class ChannelFigure:
    """What one channel was last sent for a SKU, and when."""

    channel: str
    pushed: int | None
    pushed_at: datetime | None
    quarantined: bool


@dataclass(frozen=True, slots=True)
class StockCard:
    report: StockReport
    channels: tuple[ChannelFigure, ...]
    sold_7_days: int
    sold_30_days: int


@dataclass(frozen=True, slots=True)
class LowStock:
    sku: str
    name: str
    available: int
    reorder_point: int


async def stock_card(code: str, now: datetime) -> StockCard:
    """Raises UnknownSku. Sales are units ordered less units cancelled, by when ordered."""
    report = await stock(code)
    listings = await sync_models.ChannelListing.filter(sku=code).order_by("channel")
    since = now - timedelta(days=30)
    rows = await models.Movement.filter(
        sku_id=code, kind__in=[str(kind) for kind in _SALES], occurred_at__gte=since
    ).values_list("kind", "quantity", "occurred_at")
    week = now - timedelta(days=7)
    sold_30 = sold_7 = 0
    for kind, quantity, occurred_at in rows:
        units = quantity if kind == MovementKind.ORDER_COMMIT else -quantity
        sold_30 += units
        if occurred_at >= week:
            sold_7 += units
    figures = tuple(
        ChannelFigure(row.channel, row.pushed_quantity, row.pushed_at, bool(row.quarantined_at))
        for row in listings
    )
    return StockCard(report, figures, sold_7, sold_30)


async def search_skus(words: tuple[str, ...], limit: int = 10) -> list[models.Sku]:
    """SKUs whose code or name holds every word, codes first matched."""
    query = models.Sku.all()
    for word in words:
        query = query.filter(Q(code__icontains=word) | Q(name__icontains=word))
    return await query.order_by("code").limit(limit)


async def close_matches(code: str, limit: int = 5) -> list[str]:
    """Codes that look like a mistyped `code`: same start, or holding its middle."""
    head, middle = code[:2], code[1:-1] if len(code) > 4 else code
    candidates = (
        await models.Sku.filter(Q(code__istartswith=head) | Q(code__icontains=middle))
        .limit(2000)
        .values_list("code", flat=True)
    )
    upper = {str(candidate).upper(): str(candidate) for candidate in candidates}
    found = difflib.get_close_matches(code.upper(), list(upper), n=limit, cutoff=0.6)
    return [upper[match] for match in found]


async def low_stock(limit: int = 20) -> list[LowStock]:
    """SKUs whose available over all locations is at or below their reorder point."""
    skus = {
        sku.code: sku
        for sku in await models.Sku.filter(reorder_point__isnull=False).order_by("code")
    }
    if not skus:
        return []
    # A join rather than `sku_id IN (...)`: thousands of SKUs with a reorder point would
    # pass SQLite's limit on bound parameters.
    rows = (
        await models.Balance.filter(bucket=str(Bucket.AVAILABLE), sku__reorder_point__isnull=False)
        .annotate(total=Sum("quantity"))
        .group_by("sku_id")
        .values_list("sku_id", "total")
    )
    available = {sku: int(total) for sku, total in rows}
    low = []
    for code, sku in skus.items():
        units = available.get(code, 0)
        if sku.reorder_point is not None and units <= sku.reorder_point:
            low.append(LowStock(code, sku.name, units, sku.reorder_point))
    return sorted(low, key=lambda item: item.available - item.reorder_point)[:limit]


async def recent_adjustments(limit: int = 10) -> list[models.Movement]:
    """The newest movements people made (receipts, damage, counts...), with their actor."""
    return (
        await models.Movement.filter(kind__in=[str(kind) for kind in ADJUSTMENT_KINDS])
        .order_by("-id")
        .limit(limit)
    )
