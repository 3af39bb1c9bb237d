"""Demand: the daily roll-up of units sold per SKU, location, channel and UTC day, and the
forecasts fitted on it.

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


class ForecastFit(Model):
    """A SKU's forecast as fitted on the demand up to the day before `fitted_on`.

    Days count whole, so a forecast fitted today holds all day: `replenish`, the API and the
    reports read it instead of choosing a method again (a few milliseconds a SKU, minutes
    for a large catalogue). `location` is "" for the forecast over every location."""

    id = fields.BigIntField(primary_key=True)
    sku: fields.ForeignKeyRelation[Sku] = fields.ForeignKeyField(
        "syncbot.Sku", related_name="forecasts", on_delete=fields.CASCADE
    )
    location = fields.CharField(max_length=64, default="")
    fitted_on = fields.DateField()
    method = fields.CharField(max_length=16)
    alpha = fields.FloatField(default=0)
    beta = fields.FloatField(default=0)
    gamma = fields.FloatField(default=0)
    level = fields.FloatField()
    trend = fields.FloatField(default=0)
    weekly = fields.CharField(max_length=255, default="")
    mae = fields.FloatField(null=True)
    bias = fields.FloatField(null=True)
    sigma = fields.FloatField(null=True)
    history_days = fields.IntField(default=0)

    sku_id: str

    class Meta:
        table = "forecast_fit"
        unique_together = (("sku_id", "location"),)
