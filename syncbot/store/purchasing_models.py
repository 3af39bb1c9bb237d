"""Tortoise models of purchasing: suppliers, their terms per SKU, purchase orders and lines.

The units themselves move in the ledger (supplier → incoming → available); these rows keep
what was ordered and how much of each line is received or cancelled, so a receipt can be
checked against the order under the order's row lock (`store.purchasing`).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from syncbot.store.models import Location, Sku


class Supplier(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255, unique=True)
    lead_time_days = fields.IntField(default=0)
    note = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "supplier"


class SupplierItem(Model):
    """A supplier's terms for one SKU: its own code, minimum order and case pack."""

    id = fields.BigIntField(primary_key=True)
    supplier: fields.ForeignKeyRelation[Supplier] = fields.ForeignKeyField(
        "syncbot.Supplier", related_name="items", on_delete=fields.CASCADE
    )
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="supplier_items", on_delete=fields.RESTRICT
    )
    supplier_sku = fields.CharField(max_length=128, default="")
    minimum_order_quantity = fields.BigIntField(default=0)
    case_pack = fields.BigIntField(default=1)
    last_unit_cost = fields.DecimalField(max_digits=20, decimal_places=6, null=True)

    supplier_id: int
    sku_id: str

    class Meta:
        table = "supplier_item"
        unique_together = (("supplier", "sku"),)


class PurchaseOrder(Model):
    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    # The n of an automatic number PO-000n; None for a number a person gave.
    sequence = fields.BigIntField(null=True, unique=True)
    supplier: fields.ForeignKeyRelation[Supplier] = fields.ForeignKeyField(
        "syncbot.Supplier", related_name="orders", on_delete=fields.RESTRICT
    )
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "syncbot.Location", related_name="purchase_orders", on_delete=fields.RESTRICT
    )
    expected_on = fields.DateField(null=True)
    note = fields.CharField(max_length=500, default="")
    status = fields.CharField(max_length=32, default="draft", db_index=True)
    actor = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    ordered_at = fields.DatetimeField(null=True)

    supplier_id: int
    location_id: str
    lines: fields.ReverseRelation[PurchaseOrderLine]

    class Meta:
        table = "purchase_order"


class PurchaseOrderLine(Model):
    """One SKU on an order, with the counters `ledger.purchasing` explains."""

    id = fields.BigIntField(primary_key=True)
    order: fields.ForeignKeyRelation[PurchaseOrder] = fields.ForeignKeyField(
        "syncbot.PurchaseOrder", related_name="lines", on_delete=fields.CASCADE
    )
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="purchase_lines", on_delete=fields.RESTRICT
    )
    quantity = fields.BigIntField()
    unit_cost = fields.DecimalField(max_digits=20, decimal_places=6)
    received = fields.BigIntField(default=0)
    received_damaged = fields.BigIntField(default=0)
    over_received = fields.BigIntField(default=0)
    cancelled = fields.BigIntField(default=0)

    order_id: int
    sku_id: str

    class Meta:
        table = "purchase_order_line"
        unique_together = (("order", "sku"),)
