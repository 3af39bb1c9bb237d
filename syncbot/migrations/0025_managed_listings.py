"""Generated: whether a storefront manages a listing itself (a Shopify bundle product), so
sync never pushes it (issue 17, bundle sync)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0023_bundles")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ChannelListing",
            name="managed_by_storefront",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
