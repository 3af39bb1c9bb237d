"""Generated: bundles and their components (issue 17, first part: definition and availability)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0022_slack_digest")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Bundle",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "sku",
                    fields.OneToOneField(
                        "syncbot.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="bundle",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("changed_by", fields.CharField(default="", max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "bundle",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": (
                    "A SKU sold as a set of other SKUs. It holds no stock of its own."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BundleComponent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "bundle",
                    fields.ForeignKeyField(
                        "syncbot.Bundle",
                        source_field="bundle_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="components",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "component",
                    fields.ForeignKeyField(
                        "syncbot.Sku",
                        source_field="component_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="in_bundles",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("quantity", fields.BigIntField()),
            ],
            options={
                "table": "bundle_component",
                "app": "syncbot",
                "unique_together": (("bundle_id", "component_id"),),
                "indexes": [Index(fields=["component_id", "bundle_id"])],
                "pk_attr": "id",
                "table_description": (
                    "`quantity` units of the SKU `component` in one bundle of its recipe."
                ),
            },
            bases=["Model"],
        ),
    ]
