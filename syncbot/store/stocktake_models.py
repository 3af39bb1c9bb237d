"""Tortoise models of stock-takes: sessions, their lines (one per SKU in scope) and counts.

A line keeps the on-hand expected at the session's start; its counts are only ever
inserted, so a recount leaves the count it replaces in the line's history.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from syncbot.store.models import Location, Sku


class Stocktake(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64, null=True, unique=True)
    location: fields.ForeignKeyRelation[Location] = fields.ForeignKeyField(
        "syncbot.Location", related_name="stocktakes", on_delete=fields.RESTRICT
    )
    scope = fields.CharField(max_length=500, default="")
    blind = fields.BooleanField(default=False)
    status = fields.CharField(max_length=16, default="open", db_index=True)
    approve_over_units = fields.BigIntField(null=True)
    approve_over_percent = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    approve_over_value = fields.BigIntField(null=True)
    # The ledger's newest movement id when the snapshot was taken (`ledger.stocktake`).
    start_watermark = fields.BigIntField()
    actor = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.CharField(max_length=255, default="")
    uncounted = fields.CharField(max_length=16, default="")
    posting = fields.UUIDField(null=True)

    location_id: str
    lines: fields.ReverseRelation[StocktakeLine]

    class Meta:
        table = "stocktake"


class StocktakeLine(Model):
    """One SKU in a session's scope, with its on-hand at the start."""

    id = fields.BigIntField(primary_key=True)
    stocktake: fields.ForeignKeyRelation[Stocktake] = fields.ForeignKeyField(
        "syncbot.Stocktake", related_name="lines", on_delete=fields.CASCADE
    )
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="stocktake_lines", on_delete=fields.RESTRICT
    )
    # Copied from the session so "is this SKU in an open session here" is one indexed read.
    location = fields.CharField(max_length=64)
    open = fields.BooleanField(default=True)
    expected_at_start = fields.BigIntField()
    approved_by = fields.CharField(max_length=255, default="")
    approved_at = fields.DatetimeField(null=True)
    # The id of the line's last count when it was approved: a recount needs a new approval.
    approved_through = fields.BigIntField(null=True)

    stocktake_id: int
    sku_id: str

    class Meta:
        table = "stocktake_line"
        unique_together = (("stocktake", "sku"),)
        indexes = (("sku_id", "location", "open"),)


class StocktakeCount(Model):
    """One count as entered, only ever inserted."""

    id = fields.BigIntField(primary_key=True)
    line: fields.ForeignKeyRelation[StocktakeLine] = fields.ForeignKeyField(
        "syncbot.StocktakeLine", related_name="counts", on_delete=fields.CASCADE
    )
    counter = fields.CharField(max_length=255)
    area = fields.CharField(max_length=64, default="")
    quantity = fields.BigIntField()
    mode = fields.CharField(max_length=8)
    # The ledger's newest movement id when the count was recorded, under the line's locks.
    watermark = fields.BigIntField()
    # A client's key for this count (namespaced by session): a retried scan counts once.
    key = fields.CharField(max_length=255, null=True, unique=True)
    recorded_at = fields.DatetimeField(auto_now_add=True)

    line_id: int

    class Meta:
        table = "stocktake_count"
