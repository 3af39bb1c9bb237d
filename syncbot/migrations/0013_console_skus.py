"""Generated, then one hand-written step: the console's SKU list (issue 13) and barcodes.

Barcodes get their table (issue 15 adds its checks and commands on top). The SKU list
sorts on composite indexes ending in `code`, so every sort reads 50 rows in index order.
On PostgreSQL, substring search by code or name uses trigram GIN indexes on `lower(...)`;
SQLite has no such index, and its LIKE scan of 100k rows is measured in
docs/benchmarks.md ("Console pages").
"""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

TRIGRAMS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS sku_code_trgm ON sku USING gin (lower(code) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS sku_name_trgm ON sku USING gin (lower(name) gin_trgm_ops)",
]


async def trigram_indexes(apps: object, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    for statement in TRIGRAMS:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0012_sku_totals")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SkuBarcode",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("barcode", fields.CharField(unique=True, max_length=64)),
                (
                    "sku",
                    fields.ForeignKeyField(
                        "syncbot.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="barcodes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "sku_barcode",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": (
                    "A barcode printed on a SKU's items: one barcode names one SKU, a SKU may "
                    "have many."
                ),
            },
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="Movement",
            index=Index(
                fields=[
                    "sku_id",
                    "occurred_at",
                    "kind",
                    "source_bucket",
                    "destination_bucket",
                    "quantity",
                ]
            ),
        ),
        ops.AddIndex(
            model_name="Sku",
            index=Index(fields=["name", "code"]),
        ),
        ops.AddIndex(
            model_name="Sku",
            index=Index(fields=["available", "code"]),
        ),
        ops.AddIndex(
            model_name="Sku",
            index=Index(fields=["on_hand", "code"]),
        ),
        ops.AddIndex(
            model_name="Sku",
            index=Index(fields=["incoming", "code"]),
        ),
        ops.AddIndex(
            model_name="Sku",
            index=Index(fields=["reorder_point", "code"]),
        ),
        ops.RunPython(trigram_indexes),
    ]
