"""Generated, then one hand-written step: each SKU's totals over all locations, kept by
every posting from now on, are filled in from the balance rows that exist already."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

BACKFILL = """
UPDATE sku SET
  available = COALESCE((SELECT SUM(b.quantity) FROM balance b
                        WHERE b.sku_id = sku.code AND b.bucket = 'available'), 0),
  on_hand = COALESCE((SELECT SUM(b.quantity) FROM balance b
                      WHERE b.sku_id = sku.code
                        AND b.bucket IN ('available', 'committed', 'damaged')), 0),
  incoming = COALESCE((SELECT SUM(b.quantity) FROM balance b
                       WHERE b.sku_id = sku.code AND b.bucket = 'incoming'), 0)
"""


async def backfill(apps: object, schema_editor: BaseSchemaEditor) -> None:
    await schema_editor.client.execute_script(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0011_console_sessions")]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name="SignInFailure",
            options={
                "table": "sign_in_failure",
                "app": "syncbot",
                "indexes": [Index(fields=["user_name", "address", "at"])],
                "pk_attr": "id",
                "table_description": (
                    "One refused sign-in, kept for the rate limit: per user name and address."
                ),
            },
        ),
        ops.AddField(
            model_name="Sku",
            name="available",
            field=fields.BigIntField(default=0, db_index=True, db_default=0),
        ),
        ops.AddField(
            model_name="Sku",
            name="incoming",
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name="Sku",
            name="on_hand",
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.RunPython(backfill),
        ops.AlterModelOptions(
            name="WebSession",
            options={
                "table": "web_session",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": (
                    "A signed-in browser: only the SHA-256 of its cookie is kept, so a copy of the"
                ),
            },
        ),
    ]
