"""Hand-written: a push batch the channel refuses whole is resent a bounded number of times,
counted here so a restart does not reset it, then abandoned; the listing says so until a
push of it is acknowledged again."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0007_inbox_resilience")]

    operations = [
        ops.AddField(
            model_name="ListingPush",
            name="attempts",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="ChannelListing",
            name="abandoned_error",
            field=fields.TextField(null=True),
        ),
        ops.AddField(
            model_name="ChannelListing",
            name="abandoned_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
