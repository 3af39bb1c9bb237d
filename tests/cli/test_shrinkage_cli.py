"""`syncbot report shrinkage`: units and value lost by reason as a table or CSV, since a
date and at a location; bad dates and locations refused in one line; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from syncbot import ledger
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.posting import Provenance

from .conftest import Cli, table_rows

NOV_2 = datetime(2026, 11, 2, 9, tzinfo=UTC)
NOV_5 = datetime(2026, 11, 5, 9, tzinfo=UTC)


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    """2 Nov: 10 MUG at 1.50 received, 2 damaged, 1 written off. 5 Nov: MUG counted 5 of
    9 on hand; 3 CAP at 4 received at east and 1 adjusted away."""

    async def main() -> None:
        await open_database(cli.database_url)
        try:
            await declare_locations(["main", "east"])
            await add_sku("MUG", "Mug")
            await add_sku("CAP", "Cap")

            async def post(entry: ledger.Entry, when: datetime) -> None:
                await posting.post([entry], provenance=Provenance("cli:test", "", when))

            await post(ledger.receive("MUG", 10, unit_cost=Decimal("1.50")), NOV_2)
            await post(ledger.damage("MUG", 2), NOV_2)
            await post(ledger.write_off("MUG", 1), NOV_2)
            await post(ledger.Count("MUG", 5), NOV_5)
            await post(ledger.receive("CAP", 3, "east", unit_cost=Decimal(4)), NOV_5)
            await post(ledger.adjust("CAP", -1, "lost", "east"), NOV_5)
        finally:
            await close_database()

    asyncio.run(main())
    return cli


def rows_of(output: str) -> dict[str, list[str]]:
    return {cells[0]: cells[1:] for cells in table_rows(output)}


class TestShrinkageReport:
    def test_a_row_per_reason_and_the_total_lost(self, seeded: Cli) -> None:
        """Damage 2 at 1.50 apart from the total; count 4 short, 1 adjusted, 1 written off."""
        rows = rows_of(seeded.ok("report", "shrinkage").output)
        assert rows["damage (not in the total)"] == ["2", "3.00"]
        assert rows["count differences"] == ["4", "6.00"]
        assert rows["adjustments"] == ["1", "4.00"]
        assert rows["write-offs"] == ["1", "1.50"]
        assert rows["total lost"] == ["6", "11.50"]

    def test_since_and_location(self, seeded: Cli) -> None:
        since = rows_of(seeded.ok("report", "shrinkage", "--since", "2026-11-03").output)
        assert since["write-offs"] == ["0", "0.00"]
        assert since["total lost"] == ["5", "10.00"]
        east = seeded.ok("report", "shrinkage", "--location", "east").output
        assert rows_of(east)["total lost"] == ["1", "4.00"]
        assert "Shrinkage at east, all history (USD)" in " ".join(east.split())

    def test_csv(self, seeded: Cli) -> None:
        output = seeded.ok("report", "shrinkage", "--csv", "--location", "main").output
        rows = list(csv.reader(io.StringIO(output)))
        assert rows[0] == ["reason", "label", "units", "value_usd", "in_total"]
        assert rows[-1] == ["total", "total lost", "5", "7.50", ""]

    def test_a_bad_date_or_location_is_refused_in_one_line(self, seeded: Cli) -> None:
        bad_date = seeded("report", "shrinkage", "--since", "yesterday")
        assert bad_date.exit_code == 2, bad_date.output
        assert "--since 'yesterday' is not a date" in bad_date.output
        unknown = seeded("report", "shrinkage", "--location", "west")
        assert unknown.exit_code == 1
        assert "unknown location 'west'" in unknown.output
        assert "Traceback" not in bad_date.output + unknown.output
