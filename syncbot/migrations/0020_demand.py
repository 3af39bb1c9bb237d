"""Generated, then one hand-written step: the daily demand roll-up (issue 16) and the
forecasts fitted on it; the roll-up is filled from the order movements already recorded,
by the same rule every posting keeps it with (`ledger.demand`), a batch at a time."""

from collections import defaultdict
from datetime import UTC, date, datetime

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from syncbot.ledger import demand

BATCH = 10_000


def _day(value: datetime | str) -> date:
    """occurred_at as the driver answers it: a datetime (asyncpg), ISO text (SQLite)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.date() if moment.utcoffset() is None else moment.astimezone(UTC).date()


async def backfill(apps: object, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    mark = "$1" if postgres else "?"
    placeholders = ", ".join(f"'{kind}'" for kind in sorted(demand.DEMAND_KINDS))
    select = (
        "SELECT id, kind, sku_id, quantity, source_location, source_bucket, "
        "destination_location, destination_bucket, document, occurred_at "
        f"FROM movement WHERE kind IN ({placeholders}) AND id > {mark} ORDER BY id LIMIT {BATCH}"
    )
    if postgres:
        select = select.replace(
            "occurred_at FROM", "occurred_at AT TIME ZONE 'UTC' AS occurred_at FROM"
        )
    totals: dict[tuple[str, str, str, date], int] = defaultdict(int)
    last = 0
    while True:
        _, rows = await client.execute_query(select, [last])
        if not rows:
            break
        for row in rows:
            last = row["id"]
            source = (row["source_location"], row["source_bucket"])
            destination = (row["destination_location"], row["destination_bucket"])
            key = (
                row["sku_id"],
                demand.location_of(source, destination),
                demand.channel_of(row["document"]),
                _day(row["occurred_at"]),
            )
            totals[key] += demand.sold(row["kind"], (source[1], destination[1]), row["quantity"])
    insert = "INSERT INTO daily_demand (sku_id, location, channel, day, units) VALUES " + (
        "($1, $2, $3, $4, $5)" if postgres else "(?, ?, ?, ?, ?)"
    )
    for (sku, location, channel, day), units in totals.items():
        if units:
            await client.execute_query(
                insert, [sku, location, channel, day if postgres else day.isoformat(), units]
            )


class Migration(migrations.Migration):
    dependencies = [("syncbot", "0018_barcode_kinds")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DailyDemand",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "sku",
                    fields.ForeignKeyField(
                        "syncbot.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="daily_demand",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("location", fields.CharField(max_length=64)),
                ("channel", fields.CharField(default="", max_length=64)),
                ("day", fields.DateField()),
                ("units", fields.BigIntField(default=0)),
            ],
            options={
                "table": "daily_demand",
                "app": "syncbot",
                "unique_together": (("sku_id", "location", "channel", "day"),),
                "indexes": [Index(fields=["day", "sku_id"])],
                "pk_attr": "id",
                "table_description": (
                    "Units sold of one SKU at one location through one channel on one UTC day."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ForecastFit",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "sku",
                    fields.ForeignKeyField(
                        "syncbot.Sku",
                        source_field="sku_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="forecasts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("location", fields.CharField(default="", max_length=64)),
                ("fitted_on", fields.DateField()),
                ("method", fields.CharField(max_length=16)),
                ("alpha", fields.FloatField(default=0)),
                ("beta", fields.FloatField(default=0)),
                ("gamma", fields.FloatField(default=0)),
                ("level", fields.FloatField()),
                ("trend", fields.FloatField(default=0)),
                ("weekly", fields.CharField(default="", max_length=255)),
                ("mae", fields.FloatField(null=True)),
                ("bias", fields.FloatField(null=True)),
                ("sigma", fields.FloatField(null=True)),
                ("history_days", fields.IntField(default=0)),
            ],
            options={
                "table": "forecast_fit",
                "app": "syncbot",
                "unique_together": (("sku_id", "location"),),
                "pk_attr": "id",
                "table_description": (
                    "A SKU's forecast as fitted on the demand up to the day before `fitted_on`."
                ),
            },
            bases=["Model"],
        ),
        ops.RunPython(backfill),
    ]
