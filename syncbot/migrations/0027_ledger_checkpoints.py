"""Generated: verify's ledger checkpoints (issue 19), so verify replays from the last one."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0025_managed_listings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="LedgerCheckpoint",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("last_movement", fields.BigIntField()),
                ("movements", fields.BigIntField()),
                ("id_sum", fields.BigIntField()),
                ("quantity_sum", fields.BigIntField()),
                ("value_sum", fields.BigIntField()),
                ("state", fields.BinaryField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "ledger_checkpoint",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": (
                    "The balances and stock values a clean verify replayed, up to one movement id."
                ),
            },
            bases=["Model"],
        ),
    ]
