"""Generated, then one hand-written step: a status for every inbox row, claims with a
lease and a next-attempt time (issue 11), and why each parked line is parked.

The backfill gives rows that existed before the status column the state their other
columns imply, and their reason to parked lines, which were then all unknown SKUs.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

BACKFILL = [
    "UPDATE inbox_delivery SET status = 'applied' WHERE processed_at IS NOT NULL",
    "UPDATE inbox_delivery SET status = 'failed' WHERE processed_at IS NULL AND attempts >= 5",
    "UPDATE parked_line SET reason = 'the line has no SKU' WHERE sku = ''",
    "UPDATE parked_line SET reason = 'SKU ' || sku || ' is not in syncbot: add it and the line "
    "is applied' WHERE sku <> ''",
]


async def backfill(apps: object, schema_editor: BaseSchemaEditor) -> None:
    for statement in BACKFILL:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0006_slack_alerts")]

    initial = False

    operations = [
        ops.AddField(
            model_name="InboxDelivery",
            name="claimed_by",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name="InboxDelivery",
            name="claimed_until",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="InboxDelivery",
            name="closed_by",
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name="InboxDelivery",
            name="next_attempt_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="InboxDelivery",
            name="status",
            field=fields.CharField(default="pending", db_default="pending", max_length=16),
        ),
        ops.AddIndex(
            model_name="InboxDelivery",
            index=Index(fields=["status", "next_attempt_at"]),
        ),
        ops.AlterModelOptions(
            name="ParkedLine",
            options={
                "table": "parked_line",
                "app": "syncbot",
                "unique_together": (("channel", "order_id", "line_id"),),
                "pk_attr": "id",
                "table_description": "An order or return line that could not be applied, and why.",
            },
        ),
        ops.AlterField(
            model_name="ParkedLine",
            name="quantity",
            field=fields.BigIntField(),
        ),
        ops.AddField(
            model_name="ParkedLine",
            name="reason",
            field=fields.CharField(default="", db_default="", max_length=500),
        ),
        ops.RunPython(backfill),
    ]
