"""The reports on a real database, SQLite and PostgreSQL, against figures worked by hand and
against the ledger itself: each report's totals equal what the movement table says."""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise import connections

from syncbot import ledger
from syncbot.app import cover_report, replenishment, sales_reports, stock_aging, sync_health
from syncbot.app.report_span import ReportSpanError
from syncbot.store import health, listings, models, posting, pushes, sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import Provenance

TODAY = date(2026, 12, 1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def post(entries: list[ledger.Entry], day: date, document: str = "") -> None:
    result = await posting.post(entries, provenance=Provenance("test", document, at(day)))
    assert result.applied


async def sell(sku: str, units: int, channel: str, day: date, number: int) -> None:
    await post([ledger.order_commit(sku, units)], day, f"{channel}/orders/{number}")


@pytest.fixture
async def shop(database: str) -> None:
    """MUG at 2.00, CAP at 10.00, PEN at 1.00, OLD at 3.00 received 100 days ago.

    In the last 30 days: MUG 60 through shopify and 20 through woo, CAP 10 through shopify,
    PEN 10 through shopify less 2 cancelled; MUG also sold 5 forty days ago."""
    for code, name in (("MUG", "Mug"), ("CAP", "Cap"), ("PEN", "=1+1"), ("OLD", "Old")):
        await add_sku(code, name)
    await post([ledger.receive("OLD", 4, unit_cost=Decimal(3))], days_ago(100))
    for code, cost in (("MUG", 2), ("CAP", 10), ("PEN", 1)):
        await post([ledger.receive(code, 100, unit_cost=Decimal(cost))], days_ago(30))
    await post([ledger.receive("MUG", 10, unit_cost=Decimal(2))], days_ago(21))
    await post([ledger.adjust("MUG", 1, reason="found one")], days_ago(15))
    await sell("MUG", 5, "shopify", days_ago(40), 1)
    await sell("MUG", 60, "shopify", days_ago(11), 2)
    await sell("MUG", 20, "woo", days_ago(6), 3)
    await sell("CAP", 10, "shopify", days_ago(3), 4)
    await sell("PEN", 10, "shopify", days_ago(1), 5)
    await post([ledger.order_cancel("PEN", 2)], days_ago(1), "shopify/orders/5")


async def ledger_units_sold(first: date, last: date) -> int:
    """Order commits less cancellations that occurred in the span, from the movements."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT kind, quantity, occurred_at FROM movement "
        "WHERE kind IN ('order_commit', 'order_cancel')"
    )
    total = 0
    for row in rows:
        moment = row["occurred_at"]
        moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
        if first <= moment.astimezone(UTC).date() <= last:
            total += row["quantity"] if row["kind"] == "order_commit" else -row["quantity"]
    return total


async def csv_rows(chunks: AsyncIterator[str]) -> list[dict[str, str]]:
    text = "".join([chunk async for chunk in chunks])
    return list(csv.DictReader(io.StringIO(text)))


class TestSalesVelocity:
    async def test_units_per_sku_and_channel_over_the_last_30_days(self, shop: None) -> None:
        report = await sales_reports.velocity(TODAY, 30)
        found = [(line.code, line.channel, line.units) for line in report.lines]
        assert found == [
            ("CAP", "shopify", 10),
            ("MUG", "shopify", 60),
            ("MUG", "woo", 20),
            ("PEN", "shopify", 8),
        ]
        mug = report.lines[1]
        assert mug.per_day == pytest.approx(2.0)
        assert report.per_channel() == {"shopify": 78, "woo": 20}

    async def test_a_longer_span_takes_in_the_older_sale(self, shop: None) -> None:
        report = await sales_reports.velocity(TODAY, 90)
        assert report.units == 103

    async def test_the_csv_totals_equal_the_ledger(self, shop: None) -> None:
        for days in (7, 30, 90):
            report = await sales_reports.velocity(TODAY, days)
            rows = await csv_rows(sales_reports.velocity_csv(report))
            units = sum(int(row["units"]) for row in rows)
            assert units == await ledger_units_sold(report.span.first, TODAY), days

    async def test_a_span_of_no_days_is_refused(self, shop: None) -> None:
        with pytest.raises(ReportSpanError, match="--days"):
            await sales_reports.velocity(TODAY, 0)


class TestAbc:
    async def test_classes_by_units_and_by_value(self, shop: None) -> None:
        """Units 80, 10, 8 of 98: MUG A; CAP starts at 81.6 % and PEN at 91.8 %, both B.
        Values 160, 100, 8 of 268: MUG and CAP (from 59.7 %) A; PEN from 97 % C."""
        report = await sales_reports.abc(TODAY, 30)
        found = [
            (line.code, line.units, line.units_class, line.value, line.value_class)
            for line in report.lines
        ]
        assert found == [
            ("MUG", 80, "A", 160_000_000, "A"),
            ("CAP", 10, "B", 100_000_000, "A"),
            ("PEN", 8, "B", 8_000_000, "C"),
        ]
        assert (report.units, report.value) == (98, 268_000_000)
        assert report.counts("value") == {"A": 2, "B": 0, "C": 1}

    async def test_the_csv_totals_equal_the_ledger_and_the_average_costs(self, shop: None) -> None:
        report = await sales_reports.abc(TODAY, 30)
        rows = await csv_rows(sales_reports.abc_csv(report, "USD"))
        assert sum(int(row["units"]) for row in rows) == await ledger_units_sold(
            report.span.first, TODAY
        )
        costs = {sku.code: sku.average_cost for sku in await models.Sku.all()}
        value = sum(int(row["units"]) * costs[row["code"]] for row in rows)
        assert sum(Decimal(row["value"]) for row in rows) == value == Decimal(268)
        assert [row["name"] for row in rows if row["code"] == "PEN"] == ["'=1+1"]


class TestStockAging:
    async def test_days_since_the_last_receipt_and_sale_and_dead_stock(self, shop: None) -> None:
        page = await stock_aging.page(TODAY, 90)
        found = {
            line.code: (line.days_since_receipt, line.days_since_sale, line.dead)
            for line in page.lines
        }
        assert found == {
            "CAP": (30, 3, False),
            "MUG": (21, 6, False),  # the later receipt, not the adjustment after it
            "OLD": (100, None, True),
            "PEN": (30, 1, False),
        }

    async def test_dead_days_decides_what_is_dead(self, shop: None) -> None:
        lines = [line async for line in stock_aging.lines(TODAY, 5, dead_only=True)]
        assert [line.code for line in lines] == ["MUG", "OLD"]

    async def test_stock_first_received_within_dead_days_is_not_dead_yet(self, shop: None) -> None:
        """NEW, never sold, first received 10 days ago: dead after 10 days, not after 11."""
        await add_sku("NEW", "New")
        await post([ledger.receive("NEW", 1)], days_ago(10))
        for window, dead in ((10, True), (11, False)):
            page = await stock_aging.page(TODAY, window)
            assert [line.dead for line in page.lines if line.code == "NEW"] == [dead], window

    async def test_pages_follow_on_by_code(self, shop: None) -> None:
        first = await stock_aging.page(TODAY, 90, limit=3)
        assert [line.code for line in first.lines] == ["CAP", "MUG", "OLD"]
        assert first.next_after == "OLD"
        rest = await stock_aging.page(TODAY, 90, after="OLD", limit=3)
        assert ([line.code for line in rest.lines], rest.next_after) == (["PEN"], None)

    async def test_the_csv_totals_equal_the_ledger(self, shop: None) -> None:
        rows = await csv_rows(stock_aging.aging_csv(TODAY, 90, "USD"))
        on_hand = await connections.get("default").execute_query_dict(
            "SELECT SUM(on_hand) AS units, SUM(stock_value) AS value FROM sku WHERE on_hand > 0"
        )
        assert sum(int(row["on_hand"]) for row in rows) == int(on_hand[0]["units"])
        value = sum(Decimal(row["value"]) for row in rows)
        assert value * 1_000_000 == int(on_hand[0]["value"])
        totals = await stock_aging.totals(TODAY, 90)
        assert (totals.dead_skus, totals.dead_on_hand, totals.dead_value) == (1, 4, 12_000_000)
        assert sum(totals.buckets.values()) == totals.on_hand
        assert [row["dead"] for row in rows] == ["no", "no", "yes", "no"]


class TestDaysOfCover:
    async def test_the_figures_are_the_reorder_suggestions(self, shop: None) -> None:
        lines = await cover_report.cover(TODAY)
        suggested = {
            line.sku: (line.suggestion.days_of_cover, line.suggestion.stockout)
            for line in await replenishment.suggestions(today=TODAY)
        }
        assert {line.code: (line.days_of_cover, line.stockout) for line in lines} == suggested
        covers = [line.days_of_cover for line in lines if line.days_of_cover is not None]
        assert covers == sorted(covers)
        assert sum(cover_report.bands(lines).values()) == len(lines) == 4

    async def test_an_unknown_location_is_refused(self, shop: None) -> None:
        with pytest.raises(ledger.UnknownLocation):
            await cover_report.cover(TODAY, "nowhere")


async def sync_history() -> None:
    """Two days of shop: 3 pushes answered (1 failed, quarantined), 2 abandoned, two drift
    checks (2 listings off, then 1), a failed sync; 1 push to woo."""
    day_1, day_2 = at(days_ago(1)), at(TODAY)
    rows = {}
    for channel, sku in (("shop", "MUG"), ("shop", "CAP"), ("shop", "PEN"), ("woo", "MUG")):
        rows[(channel, sku)] = await sync_models.ChannelListing.create(
            channel=channel, sku=sku, listing_id=sku, inventory_id=f"{channel}-{sku}"
        )

    async def send(channel: str, skus: list[str]) -> list[pushes.RecordedPush]:
        changes = [{"sku": sku, "inventory_id": f"{channel}-{sku}", "quantity": 5} for sku in skus]
        return await pushes.record_sending(channel, changes, 0)

    mug, cap, pen = await send("shop", ["MUG", "CAP", "PEN"])
    ok = [(mug, rows[("shop", "MUG")], 5), (cap, rows[("shop", "CAP")], 5)]
    await pushes.finish("shop", ok, [], [(pen, "refused")], day_1)
    await pushes.abandon("shop", await send("shop", ["MUG", "CAP"]), 3, "down", day_2)
    (woo,) = await send("woo", ["MUG"])
    await pushes.finish("woo", [(woo, rows[("woo", "MUG")], 5)], [], [], day_2)
    await listings.record_drift("shop", {"shop-MUG": (4, -1), "shop-CAP": (3, 2)}, day_2)
    await listings.record_drift("shop", {"shop-MUG": (5, 0), "shop-CAP": (3, 2)}, day_2)
    await health.record_sync("shop", "timed out", day_2)
    await health.record_sync("shop", None, day_2)


class TestSyncHealth:
    async def test_counts_per_day_and_channel(self, shop: None) -> None:
        await sync_history()
        report = await sync_health.sync_health(TODAY, 7)
        found = [
            (
                row.day,
                row.channel,
                row.pushes,
                row.failed_pushes,
                row.quarantines,
                row.drift_checks,
                row.drifting,
                row.sync_failures,
            )
            for row in report.rows
        ]
        assert found == [
            (days_ago(1), "shop", 3, 1, 1, 0, 0, 0),
            (TODAY, "shop", 2, 2, 0, 2, 2, 1),
            (TODAY, "woo", 1, 0, 0, 0, 0, 0),
        ]
        assert len(report.days) == 7
        assert report.days[-1].pushes == 3

    async def test_the_csv_totals_equal_the_push_records(self, shop: None) -> None:
        await sync_history()
        report = await sync_health.sync_health(TODAY, 30)
        rows = await csv_rows(sync_health.sync_health_csv(report))
        finished = await sync_models.ListingPush.exclude(status="sending").count()
        failed = await sync_models.ListingPush.filter(status__in=("failed", "abandoned")).count()
        assert sum(int(row["pushes"]) for row in rows) == finished == 6
        assert sum(int(row["failed_pushes"]) for row in rows) == failed == 3

    async def test_the_migration_backfills_pushes_from_their_records(self, shop: None) -> None:
        await sync_history()
        await sync_models.SyncDay.all().delete()
        migration: Any = importlib.import_module("syncbot.migrations.0021_sync_days")

        class Editor:
            client = connections.get("default")

        await migration.backfill(None, Editor())
        report = await sync_health.sync_health(TODAY, 7)
        pushes_per_row = [
            (row.day, row.channel, row.pushes, row.failed_pushes, row.quarantines)
            for row in report.rows
        ]
        assert pushes_per_row == [
            (days_ago(1), "shop", 3, 1, 1),
            (TODAY, "shop", 2, 2, 0),
            (TODAY, "woo", 1, 0, 0),
        ]
