"""The catalogue: add a SKU (and apply the order lines parked for it), list, change one."""

from __future__ import annotations

from dataclasses import dataclass

from syncbot.app.views import ParkedLineView, SkuTotal, SkuView
from syncbot.ledger import Quantities
from syncbot.store import catalogue, lookups
from syncbot.store.stock import totals


@dataclass(frozen=True)
class AddedSku:
    sku: SkuView
    orders: int
    """Orders whose parked lines were applied now that the SKU exists."""


def check_new_sku(code: str, reorder_point: int | None = None) -> None:
    """Raises ValidationError for a code or reorder point the catalogue refuses, before
    anything is opened."""
    catalogue.check_sku_code(code)
    catalogue.check_reorder_point(reorder_point)


async def add_sku(code: str, name: str = "", reorder_point: int | None = None) -> AddedSku:
    """Adds the SKU, then applies its parked order lines; raises SkuExists."""
    row, orders = await catalogue.add_sku_applying_parked(code, name, reorder_point)
    return AddedSku(SkuView.of(row), orders)


async def list_skus() -> list[SkuTotal]:
    """Every SKU by code, with its quantities over all locations."""
    rows, quantities = await catalogue.list_skus(), await totals()
    return [SkuTotal(SkuView.of(row), quantities.get(row.code, Quantities())) for row in rows]


async def list_locations() -> list[str]:
    """The declared locations, by name."""
    return await catalogue.list_locations()


async def set_reorder_point(code: str, reorder_point: int | None) -> None:
    """Sets or (None) removes it; raises UnknownSku or ValidationError."""
    await catalogue.set_reorder_point(code, reorder_point)


async def sku_exists(code: str) -> bool:
    return await lookups.sku_exists(code)


async def parked_lines() -> list[ParkedLineView]:
    """Order and return lines waiting for their SKU to be added."""
    return [ParkedLineView.of(row) for row in await lookups.parked_lines()]
