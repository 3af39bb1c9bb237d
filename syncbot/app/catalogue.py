"""The catalogue: add a SKU (and apply the order lines parked for it), list, change one."""

from __future__ import annotations

from dataclasses import dataclass

from syncbot.app.views import ParkedLineView, SkuTotal, SkuView
from syncbot.ledger import Quantities, ValidationError
from syncbot.store import catalogue, lookups
from syncbot.store.catalogue import SkuExists as SkuExists  # what add_sku raises
from syncbot.store.stock import totals


@dataclass(frozen=True)
class AddedSku:
    sku: SkuView
    orders: int
    """Orders whose parked lines were applied now that the SKU exists."""
    applied: tuple[ParkedLineView, ...] = ()
    """The lines parked for the SKU that are parked no longer: applied to their orders."""


@dataclass(frozen=True)
class ParkedGroup:
    """The lines parked for one SKU code ("" for lines that name no SKU): how many, and
    the oldest of them (all of them unless there are more than a page shows)."""

    sku: str
    lines: tuple[ParkedLineView, ...]
    line_count: int
    quantity: int
    orders: int

    @property
    def addable(self) -> bool:
        """Whether adding this code as a SKU could apply the lines: a line without a SKU,
        or with a code the catalogue refuses, waits for a person to fix the order."""
        try:
            catalogue.check_sku_code(self.sku)
        except ValidationError:
            return False
        return True


def check_new_sku(code: str, reorder_point: int | None = None) -> None:
    """Raises ValidationError for a code or reorder point the catalogue refuses, before
    anything is opened."""
    catalogue.check_sku_code(code)
    catalogue.check_reorder_point(reorder_point)


async def add_sku(code: str, name: str = "", reorder_point: int | None = None) -> AddedSku:
    """Adds the SKU, then applies its parked order lines; raises SkuExists."""
    waiting = await lookups.parked_lines(code)
    row, orders = await catalogue.add_sku_applying_parked(code, name, reorder_point)
    still = {
        (line.channel, line.order_id, line.line_id) for line in await lookups.parked_lines(code)
    }
    applied = tuple(
        ParkedLineView.of(line)
        for line in waiting
        if (line.channel, line.order_id, line.line_id) not in still
    )
    return AddedSku(SkuView.of(row), orders, applied)


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


async def parked_by_sku(
    limit: int = 1_000, offset: int = 0, lines_per_group: int = 1_000
) -> list[ParkedGroup]:
    """A page of parked lines grouped by the SKU code they name, by code, with lines naming
    none last; each group with its oldest `lines_per_group` lines."""
    return [
        ParkedGroup(
            row.sku,
            tuple(
                ParkedLineView.of(line)
                for line in await lookups.parked_lines_of(row.sku, lines_per_group)
            ),
            row.line_count,
            row.quantity,
            row.orders,
        )
        for row in await lookups.parked_groups(limit, offset)
    ]
