"""The daily demand roll-up: units sold per SKU, location, channel and UTC day.

Kept by every posting, in its transaction (`store.demand.keep`), so a forecast or a report
reads a few hundred rows per SKU instead of scanning the movement table. The migration that
creates it fills it from the movements already recorded.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from syncbot.store.models import Sku


class DailyDemand(Model):
    """Units sold of one SKU at one location through one channel on one UTC day."""

    id = fields.BigIntField(primary_key=True)
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="daily_demand", on_delete=fields.CASCADE
    )
    location = fields.CharField(max_length=64)
    channel = fields.CharField(max_length=64, default="")
    day = fields.DateField()
    units = fields.BigIntField(default=0)

    sku_id: str

    class Meta:
        table = "daily_demand"
        unique_together = (("sku_id", "location", "channel", "day"),)
        # Reports and the forecast job read every SKU's days from a date on.
        indexes = (("day", "sku_id"),)
