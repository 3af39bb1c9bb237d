"""`syncbot valuation` and `syncbot cost-of-goods`: tables, CSV, the installation's currency,
and refused dates, locations and currencies, on SQLite and PostgreSQL."""

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


def seed(database_url: str) -> None:
    """MUG: 3 at 1.005 on 2 Nov; 1 sold on 5 Nov. CAP, named "=SUM(A1)": 2 at 4 at east."""

    async def main() -> None:
        await open_database(database_url)
        try:
            await declare_locations(["main", "east"])
            await add_sku("MUG", "Mug")
            await add_sku("CAP", "=SUM(A1)")

            async def post(entry: ledger.Entry, when: datetime) -> None:
                await posting.post([entry], provenance=Provenance("cli:test", "o/1", when))

            await post(ledger.receive("MUG", 3, unit_cost=Decimal("1.005")), NOV_2)
            await post(ledger.receive("CAP", 2, "east", unit_cost=Decimal(4)), NOV_2)
            await post(ledger.order_commit("MUG", 1), NOV_5)
            await post(ledger.order_fulfil("MUG", 1), NOV_5)
        finally:
            await close_database()

    asyncio.run(main())


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    seed(cli.database_url)
    return cli


def rows_of(output: str) -> dict[str, list[str]]:
    return {cells[0]: cells[1:] for cells in table_rows(output)}


class TestValuation:
    def test_a_table_per_sku_with_totals_rounded_to_the_cent(self, seeded: Cli) -> None:
        """MUG: 2 left of 3 at 1.005 is 2.01; the total adds the 8.00 at east."""
        rows = rows_of(seeded.ok("valuation").output)
        assert rows["MUG"] == ["Mug", "2", "1.005", "2.01"]
        assert rows["CAP"] == ["=SUM(A1)", "2", "4.00", "8.00"]
        assert rows["total (2 SKUs)"] == ["", "4", "", "10.01"]

    def test_at_a_past_date_and_at_a_location(self, seeded: Cli) -> None:
        """At the end of 3 Nov the mug had not sold yet; east holds only the 2 at 4."""
        at = rows_of(seeded.ok("valuation", "--at", "2026-11-03").output)
        assert at["MUG"] == ["Mug", "3", "1.005", "3.02"]  # 3.015 rounds half to even
        east = rows_of(seeded.ok("valuation", "--location", "east").output)
        assert set(east) == {"CAP", "total (1 SKUs)"}
        before = rows_of(seeded.ok("valuation", "--at", "2026-11-01T23:59:59").output)
        assert before == {"total (0 SKUs)": ["", "0", "", "0.00"]}

    def test_csv_quotes_what_a_spreadsheet_would_run(self, seeded: Cli) -> None:
        """A name starting with = gets a leading quote; amounts stay numbers."""
        rows = list(csv.reader(io.StringIO(seeded.ok("valuation", "--csv").output)))
        assert rows[0] == ["code", "name", "on_hand", "average_cost", "value", "currency"]
        assert rows[1] == ["CAP", "'=SUM(A1)", "2", "4.00", "8.00", "USD"]
        assert rows[2] == ["MUG", "Mug", "2", "1.005", "2.01", "USD"]

    def test_amounts_follow_the_installations_currency(self, seeded: Cli) -> None:
        """In yen, amounts have no decimals."""
        seeded.env["SYNCBOT_CURRENCY"] = "jpy"
        output = seeded.ok("valuation").output
        assert rows_of(output)["MUG"][-1] == "2"
        assert "(JPY)" in output

    def test_a_currency_that_is_not_a_code_stops_the_command(self, seeded: Cli) -> None:
        seeded.env["SYNCBOT_CURRENCY"] = "dollars"
        result = seeded("valuation")
        assert result.exit_code == 2
        assert "SYNCBOT_CURRENCY: a currency is a 3-letter ISO 4217 code" in result.output

    @pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-11-31", "x" * 200])
    def test_a_date_that_is_not_a_date_is_refused_in_one_line(self, seeded: Cli, bad: str) -> None:
        result = seeded("valuation", "--at", bad)
        assert result.exit_code == 2, result.output
        assert "is not a date: use YYYY-MM-DD" in result.output
        assert "Traceback" not in result.output

    def test_an_unknown_location_is_refused(self, seeded: Cli) -> None:
        result = seeded("valuation", "--location", "west")
        assert result.exit_code == 1
        assert "unknown location 'west'" in result.output


class TestCostOfGoods:
    def test_a_period_shows_what_was_sold_and_received(self, seeded: Cli) -> None:
        """November: 1 mug sold at 1.005; 3.015 + 8 received; the value rose by 10.01."""
        output = seeded.ok("cost-of-goods", "--from", "2026-11-01", "--to", "2026-12-01").output
        rows = rows_of(output)
        assert rows["MUG"] == ["Mug", "1", "1.00", "0.00", "0.00", "0.00", "0.00", "3.02", "2.01"]
        assert rows["total"][1:3] == ["1", "1.00"]
        assert rows["total"][-2:] == ["11.02", "10.01"]
        assert "0.00 at the start, 10.01 at the end" in " ".join(output.split())

    def test_the_period_excludes_its_end(self, seeded: Cli) -> None:
        """--to 2026-11-05 stops before the sale of 5 Nov."""
        output = seeded.ok("cost-of-goods", "--from", "2026-11-01", "--to", "2026-11-05").output
        assert rows_of(output)["total"][1:3] == ["0", "0.00"]

    def test_csv(self, seeded: Cli) -> None:
        output = seeded.ok("cost-of-goods", "--from", "2026-11-01", "--to", "2026-12-01", "--csv")
        rows = list(csv.reader(io.StringIO(output.output)))
        assert rows[0][:4] == ["code", "name", "units_sold", "cost_of_goods_sold"]
        assert rows[1][:3] == ["CAP", "'=SUM(A1)", "0"]
        assert rows[2][:4] == ["MUG", "Mug", "1", "1.00"]

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [
            ("2026-12-01", "2026-11-01", "the period ends"),
            ("2026-11-01", "2026-11-01", "the period ends"),
            ("nov", "2026-12-01", "--from 'nov' is not a date"),
            ("2026-11-01", "", "--to is missing"),
        ],
    )
    def test_a_bad_period_is_refused_in_one_line(
        self, seeded: Cli, start: str, end: str, message: str
    ) -> None:
        result = seeded("cost-of-goods", "--from", start, "--to", end)
        assert result.exit_code == 2, result.output
        assert message in result.output

    def test_both_bounds_are_required(self, seeded: Cli) -> None:
        result = seeded("cost-of-goods", "--from", "2026-11-01")
        assert result.exit_code == 2
        assert "--to" in result.output
