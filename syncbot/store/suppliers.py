"""Suppliers and their terms per SKU: the catalogue side of purchasing."""

from __future__ import annotations

from decimal import Decimal

from tortoise.exceptions import IntegrityError

from syncbot.ledger import UnknownSku
from syncbot.ledger.limits import text_problem
from syncbot.ledger.purchasing import (
    PurchasingInputError,
    SupplierExists,
    UnknownSupplier,
    check_lead_time,
    check_note,
    check_supplier_name,
)
from syncbot.store import models
from syncbot.store.purchasing_models import Supplier, SupplierItem


async def supplier_named(name: str) -> Supplier:
    supplier = await Supplier.get_or_none(name=name)
    if supplier is None:
        raise UnknownSupplier(name)
    return supplier


async def add_supplier(name: str, lead_time_days: int = 0, note: str = "") -> Supplier:
    name = check_supplier_name(name)
    try:
        return await Supplier.create(
            name=name, lead_time_days=check_lead_time(lead_time_days), note=check_note(note)
        )
    except IntegrityError as error:
        raise SupplierExists(name) from error


async def set_supplier(
    name: str, lead_time_days: int | None = None, note: str | None = None
) -> Supplier:
    """Changes what is given; what is not keeps its value."""
    supplier = await supplier_named(name)
    if lead_time_days is not None:
        supplier.lead_time_days = check_lead_time(lead_time_days)
    if note is not None:
        supplier.note = check_note(note)
    await supplier.save()
    return supplier


async def suppliers() -> list[Supplier]:
    return await Supplier.all().order_by("name")


async def set_item(
    name: str,
    sku: str,
    *,
    supplier_sku: str | None = None,
    minimum_order_quantity: int | None = None,
    case_pack: int | None = None,
    last_unit_cost: Decimal | None = None,
) -> SupplierItem:
    """A supplier's terms for one SKU, created on first use; only what is given changes."""
    supplier = await supplier_named(name)
    if not await models.Sku.exists(code=sku):
        raise UnknownSku(sku)
    _check_terms(supplier_sku, minimum_order_quantity, case_pack)
    item, _ = await SupplierItem.get_or_create(supplier=supplier, sku_id=sku)
    if supplier_sku is not None:
        item.supplier_sku = supplier_sku
    if minimum_order_quantity is not None:
        item.minimum_order_quantity = minimum_order_quantity
    if case_pack is not None:
        item.case_pack = case_pack
    if last_unit_cost is not None:
        item.last_unit_cost = last_unit_cost
    await item.save()
    return item


def _check_terms(supplier_sku: str | None, minimum: int | None, case_pack: int | None) -> None:
    if supplier_sku is not None and (problem := text_problem(supplier_sku, "supplier SKU", 128)):
        raise PurchasingInputError(problem)
    if minimum is not None and not 0 <= minimum <= 1_000_000_000:
        raise PurchasingInputError(f"a minimum order quantity is 0 or more, got {minimum}")
    if case_pack is not None and not 1 <= case_pack <= 1_000_000_000:
        raise PurchasingInputError(f"a case pack is 1 or more units, got {case_pack}")


async def items_of(name: str) -> list[SupplierItem]:
    supplier = await supplier_named(name)
    return await SupplierItem.filter(supplier=supplier).order_by("sku_id")


async def item_cost(supplier_id: int, sku: str) -> Decimal | None:
    """The last unit cost known for the SKU from the supplier, if any."""
    item = await SupplierItem.get_or_none(supplier_id=supplier_id, sku_id=sku)
    if item is None or item.last_unit_cost is None:
        return None
    return Decimal(item.last_unit_cost)
