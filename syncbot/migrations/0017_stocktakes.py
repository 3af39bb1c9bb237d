"""Generated: stock-takes (issue 15): sessions, their lines with the on-hand expected at
the start, and the append-only counts with the watermark each was judged at."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0016_purchasing")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Stocktake",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(null=True, unique=True, max_length=64)),
                (
                    "location",
                    fields.ForeignKeyField(
                        "syncbot.Location",
                        source_field="location_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="stocktakes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("scope", fields.CharField(default="", max_length=500)),
                ("blind", fields.BooleanField(default=False)),
                ("status", fields.CharField(default="open", db_index=True, max_length=16)),
                ("approve_over_units", fields.BigIntField(null=True)),
                (
                    "approve_over_percent",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=2),
                ),
                ("approve_over_value", fields.BigIntField(null=True)),
                ("start_watermark", fields.BigIntField()),
                ("actor", fields.CharField(default="", max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_by", fields.CharField(default="", max_length=255)),
                ("uncounted", fields.CharField(default="", max_length=16)),
                ("posting", fields.UUIDField(null=True)),
            ],
            options={"table": "stocktake", "app": "syncbot", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StocktakeLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "stocktake",
                    fields.ForeignKeyField(
                        "syncbot.Stocktake",
                        source_field="stocktake_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "sku",
                    fields.ForeignKeyField(
                        "syncbot.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="stocktake_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("location", fields.CharField(max_length=64)),
                ("open", fields.BooleanField(default=True)),
                ("expected_at_start", fields.BigIntField()),
                ("approved_by", fields.CharField(default="", max_length=255)),
                (
                    "approved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("approved_through", fields.BigIntField(null=True)),
            ],
            options={
                "table": "stocktake_line",
                "app": "syncbot",
                "unique_together": (("stocktake", "sku"),),
                "indexes": [Index(fields=["sku_id", "location", "open"])],
                "pk_attr": "id",
                "table_description": "One SKU in a session's scope, with its on-hand at the start.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StocktakeCount",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "line",
                    fields.ForeignKeyField(
                        "syncbot.StocktakeLine",
                        source_field="line_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="counts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("counter", fields.CharField(max_length=255)),
                ("area", fields.CharField(default="", max_length=64)),
                ("quantity", fields.BigIntField()),
                ("mode", fields.CharField(max_length=8)),
                ("watermark", fields.BigIntField()),
                ("key", fields.CharField(null=True, unique=True, max_length=255)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "stocktake_count",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": "One count as entered, only ever inserted.",
            },
            bases=["Model"],
        ),
    ]
