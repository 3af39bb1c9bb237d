"""The daily Slack digest's record (issue 16): one row per UTC day, claimed before the post
and marked posted after it, so the digest goes out once a day across processes and restarts."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0021_sync_days")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SlackDigest",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("day", fields.DateField(unique=True)),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("claimed_by", fields.CharField(default="", max_length=128)),
                ("posted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("channel", fields.CharField(default="", max_length=64)),
                ("ts", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "slack_digest",
                "app": "syncbot",
                "pk_attr": "id",
                "table_description": (
                    "The daily Slack digest of one UTC day: claimed by the process about to "
                    "post it, then"
                ),
            },
            bases=["Model"],
        ),
    ]
