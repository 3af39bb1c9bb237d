"""Generated: purchasing (issue 14): suppliers, their terms per SKU, purchase orders and
their lines. The units an order moves live in the ledger; these tables keep the order."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0015_costing")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Supplier",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(unique=True, max_length=255)),
                ("lead_time_days", fields.IntField(default=0)),
                ("note", fields.CharField(default="", max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "supplier", "app": "syncbot", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PurchaseOrder",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("number", fields.CharField(unique=True, max_length=64)),
                ("sequence", fields.BigIntField(null=True, unique=True)),
                (
                    "supplier",
                    fields.ForeignKeyField(
                        "syncbot.Supplier",
                        source_field="supplier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="orders",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "location",
                    fields.ForeignKeyField(
                        "syncbot.Location",
                        source_field="location_id",
                        db_constraint=True,
                        to_field="name",
                        related_name="purchase_orders",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("expected_on", fields.DateField(null=True)),
                ("note", fields.CharField(default="", max_length=500)),
                ("status", fields.CharField(default="draft", db_index=True, max_length=32)),
                ("actor", fields.CharField(default="", max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("ordered_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "purchase_order", "app": "syncbot", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PurchaseOrderLine",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "order",
                    fields.ForeignKeyField(
                        "syncbot.PurchaseOrder",
                        source_field="order_id",
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
                        related_name="purchase_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("quantity", fields.BigIntField()),
                ("unit_cost", fields.DecimalField(max_digits=20, decimal_places=6)),
                ("received", fields.BigIntField(default=0)),
                ("received_damaged", fields.BigIntField(default=0)),
                ("over_received", fields.BigIntField(default=0)),
                ("cancelled", fields.BigIntField(default=0)),
            ],
            options={
                "table": "purchase_order_line",
                "app": "syncbot",
                "unique_together": (("order", "sku"),),
                "pk_attr": "id",
                "table_description": (
                    "One SKU on an order, with the counters `ledger.purchasing` explains."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SupplierItem",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "supplier",
                    fields.ForeignKeyField(
                        "syncbot.Supplier",
                        source_field="supplier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
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
                        related_name="supplier_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("supplier_sku", fields.CharField(default="", max_length=128)),
                ("minimum_order_quantity", fields.BigIntField(default=0)),
                ("case_pack", fields.BigIntField(default=1)),
                ("last_unit_cost", fields.DecimalField(null=True, max_digits=20, decimal_places=6)),
            ],
            options={
                "table": "supplier_item",
                "app": "syncbot",
                "unique_together": (("supplier", "sku"),),
                "pk_attr": "id",
                "table_description": (
                    "A supplier's terms for one SKU: its own code, minimum order and case pack."
                ),
            },
            bases=["Model"],
        ),
    ]
