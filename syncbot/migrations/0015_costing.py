"""Generated: the value of the stock (issue 14). Stock already on hand starts at a value of
0 and an average of 0: nothing recorded what it cost (see docs/purchasing.md)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0014_console_overview")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Movement",
            name="cost_variance",
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name="Movement",
            name="unit_cost",
            field=fields.DecimalField(null=True, max_digits=20, decimal_places=6),
        ),
        ops.AddField(
            model_name="Movement",
            name="value",
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name="Sku",
            name="average_cost",
            field=fields.DecimalField(default=0, db_default=0, max_digits=20, decimal_places=6),
        ),
        ops.AddField(
            model_name="Sku",
            name="stock_value",
            field=fields.BigIntField(default=0, db_default=0),
        ),
    ]
