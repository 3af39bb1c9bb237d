"""What a reorder suggestion reads about each SKU: its stock, its supplier's terms, and
its daily demand (`store.demand`). Plain values out; the arithmetic is `ledger`'s."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from syncbot.store import models
from syncbot.store.purchasing_models import PurchaseOrderLine, SupplierItem
from syncbot.store.suppliers import supplier_named


@dataclass(frozen=True, slots=True)
class SupplierTerms:
    supplier: str
    lead_time_days: int
    minimum_order: int
    case_pack: int
    supplier_sku: str
    last_unit_cost: Decimal | None


@dataclass(frozen=True, slots=True)
class SkuFacts:
    code: str
    name: str
    reorder_point: int | None
    created_on: date
    available: int
    incoming: int
    terms: SupplierTerms | None
    average_cost: Decimal


async def facts(*, location: str | None = None, supplier: str | None = None) -> list[SkuFacts]:
    """Every SKU (those `supplier` supplies, when given: UnknownSupplier if none has that
    name) with its stock at `location` (over all locations when None) and the terms of the
    supplier it is bought from, by code."""
    items = await _items()
    query = models.Sku.all()
    if supplier is not None:
        chosen = await supplier_named(supplier)
        codes = [code for code, terms in items.items() if terms.supplier == chosen.name]
        query = query.filter(code__in=codes)
    rows = await query.order_by("code").values_list(
        "code", "name", "reorder_point", "created_at", "available", "incoming", "average_cost"
    )
    stock = await _stock_at(location) if location is not None else None
    found = []
    for code, name, point, created, available, incoming, average in rows:
        if stock is not None:
            available, incoming = stock.get(code, (0, 0))
        day = created.date()
        found.append(
            SkuFacts(code, name, point, day, available, incoming, items.get(code), average)
        )
    return found


async def _stock_at(location: str) -> dict[str, tuple[int, int]]:
    rows = await models.Balance.filter(
        location_id=location, bucket__in=("available", "incoming")
    ).values_list("sku_id", "bucket", "quantity")
    stock: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sku, bucket, quantity in rows:
        stock[sku][0 if bucket == "available" else 1] = quantity
    return {sku: (pair[0], pair[1]) for sku, pair in stock.items()}


async def _items() -> dict[str, SupplierTerms]:
    """Each SKU's supplier: the one it was last ordered from, else the first by name; its
    cost is the supplier's last known unit cost, else the one on the last order line."""
    rows = (
        await SupplierItem.all()
        .order_by("supplier__name")
        .values_list(
            "sku_id",
            "supplier__name",
            "supplier__lead_time_days",
            "minimum_order_quantity",
            "case_pack",
            "supplier_sku",
            "last_unit_cost",
        )
    )
    last_line = {
        sku: (name, Decimal(cost))
        for sku, name, cost in await PurchaseOrderLine.all()
        .order_by("id")
        .values_list("sku_id", "order__supplier__name", "unit_cost")
    }
    terms: dict[str, SupplierTerms] = {}
    for sku, name, lead, minimum, case, code, cost in rows:
        ordered_from, ordered_at = last_line.get(sku, (None, None))
        known = Decimal(cost) if cost is not None else None
        if known is None and ordered_from == name:
            known = ordered_at  # the cost on its last order from this supplier
        candidate = SupplierTerms(name, lead, minimum, case, code, known)
        if sku not in terms or ordered_from == name:
            terms[sku] = candidate
    return terms
