"""Generated, then one hand-written step: the sync history per channel and UTC day (issue
16's sync health report). Pushes already finished are counted from their rows (a failed one
quarantined its listing); drift checks and failed syncs before this were not kept, so those
days start at zero."""

from collections import defaultdict
from datetime import UTC, date, datetime

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

BATCH = 10_000


def _day(value: datetime | str) -> date:
    """finished_at as the driver answers it: a datetime (asyncpg), ISO text (SQLite)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.date() if moment.utcoffset() is None else moment.astimezone(UTC).date()


async def backfill(apps: object, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    mark = "$1" if postgres else "?"
    finished = "finished_at AT TIME ZONE 'UTC' AS finished_at" if postgres else "finished_at"
    select = (
        f"SELECT id, channel, status, {finished} FROM listing_push WHERE finished_at IS NOT NULL"
        f" AND status IN ('acknowledged', 'stale', 'failed', 'abandoned') AND id > {mark}"
        f" ORDER BY id LIMIT {BATCH}"
    )
    totals: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    last = 0
    while True:
        _, rows = await client.execute_query(select, [last])
        if not rows:
            break
        for row in rows:
            last = row["id"]
            counts = totals[(row["channel"], _day(row["finished_at"]))]
            counts[0] += 1
            counts[1] += row["status"] in ("failed", "abandoned")
            counts[2] += row["status"] == "failed"
    insert = (
        "INSERT INTO sync_day (channel, day, pushes, failed_pushes, quarantines, drift_checks,"
        " drifting, sync_failures) VALUES "
        + ("($1, $2, $3, $4, $5, 0, 0, 0)" if postgres else "(?, ?, ?, ?, ?, 0, 0, 0)")
    )
    for (channel, day), (pushes, failed, quarantines) in sorted(totals.items()):
        stored: date | str = day if postgres else day.isoformat()
        await client.execute_query(insert, [channel, stored, pushes, failed, quarantines])


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0020_demand")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SyncDay",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("channel", fields.CharField(max_length=64)),
                ("day", fields.DateField()),
                ("pushes", fields.BigIntField(default=0)),
                ("failed_pushes", fields.BigIntField(default=0)),
                ("quarantines", fields.BigIntField(default=0)),
                ("drift_checks", fields.BigIntField(default=0)),
                ("drifting", fields.BigIntField(default=0)),
                ("sync_failures", fields.BigIntField(default=0)),
            ],
            options={
                "table": "sync_day",
                "app": "syncbot",
                "unique_together": (("channel", "day"),),
                "indexes": [Index(fields=["day", "channel"])],
                "pk_attr": "id",
                "table_description": (
                    "A channel's sync on one UTC day, counted as it happens "
                    "(`store.sync_days`): the"
                ),
            },
            bases=["Model"],
        ),
        ops.RunPython(backfill),
    ]
