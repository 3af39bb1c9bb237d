"""`syncbot report velocity|abc|aging|cover|sync-health`: tables, CSV whose totals equal the
ledger's, and refused numbers of days, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from syncbot import ledger
from syncbot.store import health, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.posting import Provenance

from .conftest import Cli, table_rows

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def ago(days: int) -> datetime:
    return MIDNIGHT - timedelta(days=days) + timedelta(hours=2)


def seed(database_url: str) -> None:
    """MUG at 1.50: 20 received 50 days ago, 8 sold through shop 2 days ago, 4 through woo
    40 days ago. CAP at 4.00, named "=SUM(A1)": 5 received 120 days ago, never sold.
    Yesterday shop's sync failed whole twice."""

    async def main() -> None:
        await open_database(database_url)
        try:
            await declare_locations(["main", "east"])
            await add_sku("MUG", "Mug")
            await add_sku("CAP", "=SUM(A1)")

            async def post(entry: ledger.Entry, when: datetime, document: str = "") -> None:
                await posting.post([entry], provenance=Provenance("cli:test", document, when))

            await post(ledger.receive("MUG", 20, unit_cost=Decimal("1.50")), ago(50))
            await post(ledger.receive("CAP", 5, unit_cost=Decimal(4)), ago(120))
            await post(ledger.order_commit("MUG", 8), ago(2), "shop/orders/1")
            await post(ledger.order_commit("MUG", 4), ago(40), "woo/orders/1")
            await health.record_sync("shop", "timed out", ago(1))
            await health.record_sync("shop", "timed out", ago(1))
        finally:
            await close_database()

    asyncio.run(main())


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    seed(cli.database_url)
    return cli


def csv_of(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def ledger_units_sold(cli: Cli, days: int) -> int:
    """Order commits since the start of the span, straight from the movement table."""
    rows = cli.sql("SELECT quantity, occurred_at FROM movement WHERE kind = 'order_commit'")
    first = (MIDNIGHT - timedelta(days=days - 1)).date()
    total = 0
    for row in rows:
        moment = row["occurred_at"]
        moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
        total += row["quantity"] if moment.astimezone(UTC).date() >= first else 0
    return total


class TestVelocity:
    def test_a_table_per_sku_and_channel_with_the_total(self, seeded: Cli) -> None:
        rows = table_rows(seeded.ok("report", "velocity", "--days", "10").output)
        assert rows[0] == ["MUG", "Mug", "shop", "8", "0.80"]
        assert rows[-1][3:] == ["8", "0.80"]

    def test_the_csv_total_equals_the_ledger_over_each_span(self, seeded: Cli) -> None:
        for days in (10, 60):
            found = csv_of(seeded.ok("report", "velocity", "--days", str(days), "--csv").output)
            assert sum(int(row["units"]) for row in found) == ledger_units_sold(seeded, days)
        assert ledger_units_sold(seeded, 60) == 12

    @pytest.mark.parametrize("days", ["0", "-3", "99999", "many"])
    def test_a_bad_number_of_days_is_refused(self, seeded: Cli, days: str) -> None:
        result = seeded("report", "velocity", "--days", days)
        assert result.exit_code == 2
        assert "--days" in result.output


class TestAbc:
    def test_classes_and_the_thresholds_in_the_title(self, seeded: Cli) -> None:
        output = seeded.ok("report", "abc", "--days", "60").output
        assert "A makes the first 80%, B up to 95%" in " ".join(output.split())
        found = csv_of(seeded.ok("report", "abc", "--days", "60", "--csv").output)
        assert [(row["code"], row["units"], row["value"], row["value_class"]) for row in found] == [
            ("MUG", "12", "18.00", "A")
        ]


class TestAging:
    def test_days_since_receipt_and_sale_and_dead_stock(self, seeded: Cli) -> None:
        found = csv_of(seeded.ok("report", "aging", "--csv").output)
        assert [
            (
                row["code"],
                row["name"],
                row["days_since_receipt"],
                row["days_since_sale"],
                row["dead"],
            )
            for row in found
        ] == [("CAP", "'=SUM(A1)", "120", "", "yes"), ("MUG", "Mug", "50", "2", "no")]
        on_hand = seeded.sql("SELECT SUM(on_hand) AS n FROM sku WHERE on_hand > 0")[0]["n"]
        assert sum(int(row["on_hand"]) for row in found) == int(on_hand)

    def test_dead_only_with_a_shorter_window(self, seeded: Cli) -> None:
        output = seeded.ok("report", "aging", "--dead-days", "1", "--dead").output
        rows = table_rows(output)
        assert [row[0] for row in rows[:2]] == ["CAP", "MUG"]
        assert rows[-1][0] == "dead (2 SKUs)"


class TestCover:
    def test_every_sku_with_its_cover(self, seeded: Cli) -> None:
        found = csv_of(seeded.ok("report", "cover", "--csv").output)
        assert sorted(row["code"] for row in found) == ["CAP", "MUG"]
        assert "Days of cover" in seeded.ok("report", "cover").output

    def test_an_unknown_location_is_refused(self, seeded: Cli) -> None:
        result = seeded("report", "cover", "--location", "nowhere")
        assert result.exit_code == 1
        assert "nowhere" in result.output


class TestSyncHealth:
    def test_failed_syncs_per_day(self, seeded: Cli) -> None:
        found = csv_of(seeded.ok("report", "sync-health", "--days", "7", "--csv").output)
        yesterday = (MIDNIGHT - timedelta(days=1)).date().isoformat()
        assert [(row["day"], row["channel"], row["sync_failures"]) for row in found] == [
            (yesterday, "shop", "2")
        ]
        assert table_rows(seeded.ok("report", "sync-health").output)[-1][0] == "total"
