"""Hand-written: the partial indexes the console's overview and its live updates read.

Each holds only the rows that need attention (SKUs with a reorder point, oversold
balances, listings in a state, failed deliveries), so the overview's lists and counts cost
what needs attention rather than what the tables hold. Their predicates are written
literally, as `syncbot.store.overview` writes its queries, so both SQLite's and
PostgreSQL's planners match them. The partial-index syntax is the same on both.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

INDEXES = [
    # Low stock walks SKUs with a reorder point by available, lowest first, up to the
    # highest reorder point (read from the second index); the first index covers the read.
    "CREATE INDEX IF NOT EXISTS sku_reorder_available "
    "ON sku (available, reorder_point, code) WHERE reorder_point IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS sku_reorder_point ON sku (reorder_point) "
    "WHERE reorder_point IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS balance_oversold ON balance (quantity, sku_id, location_id) "
    "WHERE bucket = 'available' AND quantity < 0",
    "CREATE INDEX IF NOT EXISTS channel_listing_quarantined ON channel_listing (channel, sku) "
    "WHERE quarantined_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS channel_listing_held ON channel_listing (channel, sku) "
    "WHERE held_since IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS channel_listing_abandoned ON channel_listing (channel, sku) "
    "WHERE abandoned_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS channel_listing_drifting ON channel_listing (channel, sku, drift) "
    "WHERE drift <> 0",
    "CREATE INDEX IF NOT EXISTS inbox_delivery_failed ON inbox_delivery (id) "
    "WHERE status = 'failed'",
]


async def create_indexes(apps: object, schema_editor: BaseSchemaEditor) -> None:
    for statement in INDEXES:
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0013_console_skus")]

    initial = False

    operations = [ops.RunPython(create_indexes)]
