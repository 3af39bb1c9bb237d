"""`/api/valuation` and `/api/cost-of-goods` over real HTTP, on SQLite and PostgreSQL: a
viewer reads them as JSON pages and CSV; bad dates and unknown locations are refused."""

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

from .conftest import Api

NOV_2 = datetime(2026, 11, 2, 9, tzinfo=UTC)
NOV_5 = datetime(2026, 11, 5, 9, tzinfo=UTC)
NOVEMBER = "from=2026-11-01&to=2026-12-01"


async def _seed(database_url: str) -> None:
    """BOWL: 10 at 2.50 on 2 Nov, 4 sold and 1 damaged and written off on 5 Nov.
    HAT, named "=cmd": 3 at 1.00 at east on 2 Nov."""
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        await add_sku("BOWL", "Bowl")
        await add_sku("HAT", "=cmd")

        async def post(entry: ledger.Entry, when: datetime) -> None:
            await posting.post([entry], provenance=Provenance("test", "o/1", when))

        await post(ledger.receive("BOWL", 10, unit_cost=Decimal("2.50")), NOV_2)
        await post(ledger.receive("HAT", 3, "east", unit_cost=Decimal(1)), NOV_2)
        await post(ledger.order_commit("BOWL", 4), NOV_5)
        await post(ledger.order_fulfil("BOWL", 4), NOV_5)
        await post(ledger.damage("BOWL", 1), NOV_5)
        await post(ledger.write_off("BOWL", 1), NOV_5)
    finally:
        await close_database()


@pytest.fixture
def priced(database_url: str) -> None:
    """The history above, written before the service starts."""
    asyncio.run(_seed(database_url))


@pytest.fixture
def reports(priced: None, api: Api) -> Api:
    return api


def viewer_get(api: Api, path: str) -> dict[str, object]:
    answer = api.call("GET", path, api.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


class TestValuation:
    def test_a_viewer_reads_each_sku_and_the_totals_in_decimal_strings(self, reports: Api) -> None:
        """BOWL: 5 left at 2.50 = 12.50; HAT 3.00; total 15.50 USD."""
        body = viewer_get(reports, "/api/valuation")
        assert body["currency"] == "USD"
        assert body["totals"] == {"skus": 2, "on_hand": 8, "value": "15.50"}
        assert body["lines"] == [
            {
                "code": "BOWL",
                "name": "Bowl",
                "on_hand": 5,
                "average_cost": "2.50",
                "value": "12.50",
            },
            {"code": "HAT", "name": "=cmd", "on_hand": 3, "average_cost": "1.00", "value": "3.00"},
        ]
        assert body["next_after"] is None

    def test_at_a_date_and_a_location(self, reports: Api) -> None:
        """At the end of 3 Nov the bowls were all there; east holds only the hats."""
        at = viewer_get(reports, "/api/valuation?at=2026-11-03")
        assert at["totals"] == {"skus": 2, "on_hand": 13, "value": "28.00"}
        east = viewer_get(reports, "/api/valuation?location=east")
        assert [line["code"] for line in east["lines"]] == ["HAT"]  # type: ignore[attr-defined]

    def test_pages_follow_next_after(self, reports: Api) -> None:
        first = viewer_get(reports, "/api/valuation?limit=1")
        assert first["next_after"] == "BOWL"
        second = viewer_get(reports, "/api/valuation?limit=1&after=BOWL")
        assert [line["code"] for line in second["lines"]] == ["HAT"]  # type: ignore[attr-defined]
        assert second["next_after"] is None

    def test_csv_is_formula_safe(self, reports: Api) -> None:
        answer = reports.call("GET", "/api/valuation.csv", reports.tokens["viewer"])
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[2] == ["HAT", "'=cmd", "3", "1.00", "3.00", "USD"]

    @pytest.mark.parametrize("query", ["at=2026-02-30", "at=soon", "at=" + "9" * 41, "location="])
    def test_a_bad_query_is_refused_422(self, reports: Api, query: str) -> None:
        for path in ("/api/valuation", "/api/valuation.csv", "/api/valuation?limit=0"):
            path = path + ("&" if "?" in path else "?") + query if query else path
            answer = reports.call("GET", path, reports.tokens["viewer"])
            assert answer.status_code == 422, (path, answer.text)
            assert "error" in answer.json()

    def test_a_page_cursor_with_a_nul_is_refused_422(self, reports: Api) -> None:
        answer = reports.call("GET", "/api/valuation?after=%00", reports.tokens["viewer"])
        assert answer.status_code == 422, answer.text

    def test_an_unknown_location_is_404(self, reports: Api) -> None:
        for path in ("/api/valuation", "/api/valuation.csv"):
            answer = reports.call("GET", f"{path}?location=west", reports.tokens["viewer"])
            assert answer.status_code == 404
            assert "unknown location 'west'" in answer.json()["error"]

    def test_without_a_valid_token_nothing_is_read(self, reports: Api) -> None:
        for path in ("/api/valuation", f"/api/cost-of-goods?{NOVEMBER}"):
            for token in (None, "not-a-token"):
                assert reports.call("GET", path, token).status_code == 401


class TestCostOfGoods:
    def test_november_in_total_and_per_sku(self, reports: Api) -> None:
        """4 bowls sold at 2.50 = 10.00; 1 written off 2.50; 28.00 received; the value
        went from 0 to 15.50: 28.00 = 10.00 + 2.50 + 15.50."""
        body = viewer_get(reports, f"/api/cost-of-goods?{NOVEMBER}")
        totals = body["totals"]
        assert totals == {
            "units_sold": 4,
            "cost_of_goods_sold": "10.00",
            "write_off": "2.50",
            "count": "0.00",
            "adjust": "0.00",
            "write_offs": "2.50",
            "receipts": "28.00",
            "value_change": "15.50",
            "opening_value": "0.00",
            "closing_value": "15.50",
        }
        assert body["start"] == "2026-11-01T00:00:00+00:00"
        assert body["end"] == "2026-12-01T00:00:00+00:00"
        bowl = body["lines"][0]  # type: ignore[index]
        assert (bowl["code"], bowl["units_sold"], bowl["cost_of_goods_sold"]) == (
            "BOWL",
            4,
            "10.00",
        )

    def test_csv(self, reports: Api) -> None:
        answer = reports.call("GET", f"/api/cost-of-goods.csv?{NOVEMBER}", reports.tokens["viewer"])
        assert answer.status_code == 200
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[1][:4] == ["BOWL", "Bowl", "4", "10.00"]
        assert rows[2][:2] == ["HAT", "'=cmd"]

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("from=2026-12-01&to=2026-11-01", "the period ends"),
            ("from=2026-11-01&to=2026-11-01", "the period ends"),
            ("from=monday&to=2026-11-01", "from 'monday' is not a date"),
            ("from=2026-11-01", "to"),
            ("", "from"),
        ],
    )
    def test_a_bad_period_is_refused_422(self, reports: Api, query: str, message: str) -> None:
        for path in ("/api/cost-of-goods", "/api/cost-of-goods.csv"):
            answer = reports.call("GET", f"{path}?{query}", reports.tokens["viewer"])
            assert answer.status_code == 422, (path, answer.text)
            assert message in answer.json()["error"]
