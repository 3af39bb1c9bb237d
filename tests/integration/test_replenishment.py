"""Reorder suggestions on a real database: demand from order postings, stock and incoming
from the balances, terms from the supplier, and draft purchase orders per supplier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncbot import ledger
from syncbot.app import purchasing, replenishment
from syncbot.app.actor import Actor
from syncbot.bootstrap import forecast_job
from syncbot.config import Settings
from syncbot.ledger.purchasing import UnknownSupplier
from syncbot.ledger.replenishment import ReplenishmentError
from syncbot.store import forecasts, posting
from syncbot.store.catalogue import add_sku, set_reorder_point
from syncbot.store.posting import Provenance

TODAY = datetime.now(UTC).date()
MANAGER = Actor.cli()


async def sell(sku: str, per_day: list[int], location: str = "main") -> None:
    """One order a day for the days before today, oldest first, from Shopify."""
    start = TODAY - timedelta(days=len(per_day))
    for n, units in enumerate(per_day):
        if units:
            at = datetime.combine(start + timedelta(days=n), datetime.min.time(), UTC)
            await posting.post(
                [ledger.order_commit(sku, units, location)],
                provenance=Provenance("shopify", f"shopify/orders/{sku}-{n}", at),
            )


@pytest.fixture
async def shop(database: str) -> None:
    """MUG-1 sells 2 a day for 8 weeks, has 40 available and 10 incoming on PO; Acme
    supplies it in cases of 12, 7 days away. TEE-1 has never sold. CAP-1 sells, no
    supplier."""
    for code in ("MUG-1", "TEE-1", "CAP-1"):
        await add_sku(code, code.title())
    await posting.post([ledger.receive("MUG-1", 152), ledger.receive("CAP-1", 500)])
    await sell("MUG-1", [2] * 56)
    await sell("CAP-1", [5] * 30)
    await purchasing.add_supplier("Acme", lead_time_days=7)
    await purchasing.set_supplier_terms("Acme", "MUG-1", case_pack=12)
    order = await purchasing.create_order("Acme", MANAGER)
    await purchasing.add_line(order.number, "MUG-1", 10, MANAGER, "3.50")
    await purchasing.place_order(order.number, MANAGER)


class TestSuggestions:
    async def test_a_steady_seller_is_ordered_in_cases_counting_what_is_incoming(
        self, shop: None
    ) -> None:
        """2/day, lead 7, σ 0: reorder point 14; 40 + 10 = 50 is above it: nothing yet.
        Selling 40 more brings available to 0: 10 incoming, 4 short; covering 7 + 30
        days is 74 − 10 = 64 → 6 cases of 12 = 72."""
        lines = await replenishment.suggestions(today=TODAY, only_orders=False)
        mug = next(line for line in lines if line.sku == "MUG-1")
        assert (mug.supplier, mug.suggestion.quantity) == ("Acme", 0)
        assert mug.suggestion.computed_reorder_point == 14
        assert mug.forecast.rate == pytest.approx(2.0)
        assert mug.suggestion.days_of_cover == 20

        await posting.post([ledger.order_commit("MUG-1", 40)])
        mug = next(
            line
            for line in await replenishment.suggestions(today=TODAY, only_orders=True)
            if line.sku == "MUG-1"
        )
        assert (mug.suggestion.stock.available, mug.suggestion.stock.incoming) == (0, 10)
        assert (mug.suggestion.short, mug.suggestion.to_cover) == (4, 64)
        assert mug.suggestion.quantity == 72
        assert "case of 12 → 72" in mug.reasoning

    async def test_a_set_reorder_point_wins_and_a_sku_that_never_sold_orders_nothing(
        self, shop: None
    ) -> None:
        await set_reorder_point("MUG-1", 60)
        lines = {line.sku: line for line in await replenishment.suggestions(today=TODAY)}
        assert lines["MUG-1"].suggestion.reorder_point == 60
        assert lines["MUG-1"].suggestion.quantity > 0
        assert lines["TEE-1"].suggestion.quantity == 0
        assert lines["TEE-1"].forecast.is_new

    async def test_drafts_one_order_per_supplier_and_leaves_unsupplied_skus_out(
        self, shop: None
    ) -> None:
        await posting.post([ledger.order_commit("MUG-1", 40)])
        lines = await replenishment.suggestions(today=TODAY, only_orders=True)
        assert {line.sku for line in lines} >= {"MUG-1"}
        drafted = await replenishment.draft_orders(lines, MANAGER)
        assert [(d.supplier, d.lines, d.units) for d in drafted] == [("Acme", 1, 72)]
        order = await purchasing.purchase_order(drafted[0].number)
        assert order.status == "draft"
        assert [(line.sku, line.quantity, str(line.unit_cost)) for line in order.lines] == [
            ("MUG-1", 72, "3.500000")
        ]

    async def test_by_supplier_and_location(self, shop: None) -> None:
        lines = await replenishment.suggestions(today=TODAY, supplier="Acme")
        assert [line.sku for line in lines] == ["MUG-1"]
        east = await replenishment.suggestions(today=TODAY, location="east")
        assert all(line.forecast.rate == 0 for line in east)


class TestRefusals:
    @pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
    async def test_a_service_level_outside_0_1(self, shop: None, level: float) -> None:
        with pytest.raises(ReplenishmentError, match="between 0 and 1"):
            await replenishment.suggestions(today=TODAY, service_level=level)

    async def test_an_unknown_supplier(self, shop: None) -> None:
        with pytest.raises(UnknownSupplier):
            await replenishment.suggestions(today=TODAY, supplier="Nobody")

    async def test_a_negative_lead_time(self, shop: None) -> None:
        with pytest.raises(ReplenishmentError, match="lead time"):
            await replenishment.suggestions(today=TODAY, lead_time_days=-1)


class TestForecastsKeptForTheDay:
    async def test_a_forecast_fitted_today_is_read_back_until_a_refit(self, shop: None) -> None:
        """Days count whole, so today's fit holds all day: a late order dated yesterday
        changes nothing until the forecasts are fitted again."""
        first = {line.sku: line.forecast for line in await replenishment.suggestions(today=TODAY)}
        await sell("MUG-1", [60])  # yesterday, arriving late
        again = {line.sku: line.forecast for line in await replenishment.suggestions(today=TODAY)}
        assert again == first

        seen: list[tuple[int, int]] = []
        assert (
            await replenishment.refit(
                TODAY, progress=lambda done, total: seen.append((done, total))
            )
            == 3
        )
        assert seen == [(3, 3)]
        refitted = {
            line.sku: line.forecast for line in await replenishment.suggestions(today=TODAY)
        }
        assert refitted["MUG-1"].rate > first["MUG-1"].rate
        assert refitted["TEE-1"] == first["TEE-1"]

    async def test_each_location_has_its_own_forecasts(self, shop: None) -> None:
        everywhere = await replenishment.suggestions(today=TODAY)
        east = await replenishment.suggestions(today=TODAY, location="east")
        assert next(line for line in everywhere if line.sku == "MUG-1").forecast.rate > 0
        assert next(line for line in east if line.sku == "MUG-1").forecast.rate == 0


async def test_the_leaders_job_fits_the_days_forecasts_once(shop: None) -> None:
    """The `forecasts` leader job fits every SKU once a day; run again it fits none."""
    job = forecast_job(Settings())
    assert job.name == "forecasts"
    await job.run()
    assert set(await forecasts.fitted(TODAY)) == {"CAP-1", "MUG-1", "TEE-1"}
    assert await replenishment.refresh(TODAY) == 0
