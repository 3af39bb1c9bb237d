"""`/api/reports/...` over real HTTP, on SQLite and PostgreSQL: a viewer reads each report as
JSON and as CSV, the two agree, and a bad number of days or an unknown location is refused."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from syncbot import ledger
from syncbot.store import posting, pushes
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.posting import Provenance
from syncbot.store.sync_models import ChannelListing

from .conftest import Api

NOW = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
REPORTS = ("velocity", "abc", "aging", "cover", "sync-health")


async def _seed(database_url: str) -> None:
    """BOWL at 2.50: 10 received 40 days ago, 6 sold through shop 5 days ago.
    HAT at 1.00, named "=cmd": 3 received 200 days ago, never sold (dead).
    One push to shop acknowledged today."""
    await open_database(database_url)
    try:
        await declare_locations(["main", "east"])
        await add_sku("BOWL", "Bowl")
        await add_sku("HAT", "=cmd")

        async def post(entry: ledger.Entry, days_ago: int, document: str = "") -> None:
            when = NOW - timedelta(days=days_ago) + timedelta(hours=1)
            await posting.post([entry], provenance=Provenance("test", document, when))

        await post(ledger.receive("BOWL", 10, unit_cost=Decimal("2.50")), 40)
        await post(ledger.receive("HAT", 3, unit_cost=Decimal(1)), 200)
        await post(ledger.order_commit("BOWL", 6), 5, "shop/orders/1")
        listing = await ChannelListing.create(
            channel="shop", sku="BOWL", listing_id="1", inventory_id="inv-1"
        )
        (push,) = await pushes.record_sending(
            "shop", [{"sku": "BOWL", "inventory_id": "inv-1", "quantity": 4}], 0
        )
        await pushes.finish("shop", [(push, listing, 4)], [], [], datetime.now(UTC))
    finally:
        await close_database()


@pytest.fixture
def seeded(database_url: str) -> None:
    """The history above, written before the service starts."""
    asyncio.run(_seed(database_url))


@pytest.fixture
def reports(seeded: None, api: Api) -> Api:
    return api


def get(api: Api, path: str) -> Any:
    answer = api.call("GET", path, api.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def get_csv(api: Api, path: str) -> list[dict[str, str]]:
    answer = api.call("GET", path, api.tokens["viewer"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


class TestEachReportAsJsonAndCsv:
    def test_velocity(self, reports: Api) -> None:
        body = get(reports, "/api/reports/velocity?days=7")
        assert body["days"] == 7
        assert body["units"] == 6
        assert body["lines"] == [
            {
                "code": "BOWL",
                "name": "Bowl",
                "channel": "shop",
                "units": 6,
                "units_per_day": pytest.approx(6 / 7, abs=1e-3),
            }
        ]
        rows = get_csv(reports, "/api/reports/velocity.csv?days=7")
        assert sum(int(row["units"]) for row in rows) == body["units"]
        assert get(reports, "/api/reports/velocity?days=3")["lines"] == []

    def test_abc(self, reports: Api) -> None:
        body = get(reports, "/api/reports/abc")
        assert (body["a_percent"], body["b_percent"], body["value"]) == (80, 95, "15.00")
        line = body["lines"][0]
        assert (line["code"], line["units_class"], line["value_class"]) == ("BOWL", "A", "A")
        rows = get_csv(reports, "/api/reports/abc.csv")
        assert [(row["code"], row["value"], row["value_class"]) for row in rows] == [
            ("BOWL", "15.00", "A")
        ]

    def test_aging_pages_and_dead_stock(self, reports: Api) -> None:
        first = get(reports, "/api/reports/aging?limit=1")
        bowl = first["lines"][0]
        assert (bowl["code"], bowl["on_hand"], bowl["days_since_receipt"]) == ("BOWL", 10, 40)
        assert (bowl["days_since_sale"], bowl["dead"]) == (5, False)
        assert first["next_after"] == "BOWL"
        second = get(reports, "/api/reports/aging?limit=1&after=BOWL")
        hat = second["lines"][0]
        assert (hat["code"], hat["last_sale"], hat["dead"], hat["value"]) == (
            "HAT",
            None,
            True,
            "3.00",
        )
        assert get(reports, "/api/reports/aging?dead_days=3")["lines"][0]["dead"] is True
        rows = get_csv(reports, "/api/reports/aging.csv?dead_only=true")
        assert [(row["code"], row["name"], row["dead"]) for row in rows] == [
            ("HAT", "'=cmd", "yes")
        ]

    def test_cover(self, reports: Api) -> None:
        body = get(reports, "/api/reports/cover")
        codes = {line["code"] for line in body["lines"]}
        assert {"BOWL", "HAT"} <= codes
        rows = get_csv(reports, "/api/reports/cover.csv")
        assert {row["code"]: row["days_of_cover"] for row in rows} == {
            line["code"]: "" if line["days_of_cover"] is None else str(line["days_of_cover"])
            for line in body["lines"]
        }

    def test_sync_health(self, reports: Api) -> None:
        body = get(reports, "/api/reports/sync-health?days=2")
        assert [(row["channel"], row["pushes"]) for row in body["rows"]] == [("shop", 1)]
        rows = get_csv(reports, "/api/reports/sync-health.csv?days=2")
        assert [(row["channel"], row["pushes"], row["failed_pushes"]) for row in rows] == [
            ("shop", "1", "0")
        ]


class TestRefusals:
    @pytest.mark.parametrize("report", ["velocity", "abc", "sync-health"])
    @pytest.mark.parametrize("days", ["0", "-1", "99999", "x"])
    def test_a_bad_number_of_days_is_refused_422(
        self, reports: Api, report: str, days: str
    ) -> None:
        for suffix in ("", ".csv"):
            answer = reports.call(
                "GET", f"/api/reports/{report}{suffix}?days={days}", reports.tokens["viewer"]
            )
            assert answer.status_code == 422, answer.text

    def test_an_unknown_location_is_404(self, reports: Api) -> None:
        for suffix in ("", ".csv"):
            answer = reports.call(
                "GET", f"/api/reports/cover{suffix}?location=nowhere", reports.tokens["viewer"]
            )
            assert answer.status_code == 404, answer.text

    def test_no_token_is_401(self, reports: Api) -> None:
        for report in REPORTS:
            assert reports.call("GET", f"/api/reports/{report}", None).status_code == 401
