"""Bundles on a real database (SQLite and PostgreSQL): recipes set, replaced and removed,
availability read for many bundles in a fixed number of queries, and stock refused on a
bundle's code with nothing written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from tortoise import connections

from syncbot import ledger
from syncbot.app import bundles, purchasing, stocktakes
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger import UnknownSku
from syncbot.ledger.bundles import (
    BundleHoldsNoStock,
    BundleHoldsStock,
    Component,
    NestedBundle,
    NotABundle,
)
from syncbot.store import models
from syncbot.store.catalogue import add_sku

ACTOR = Actor.cli("tester")
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
async def catalogue(database: str) -> None:
    """MUG-1 7 at main and 4 at east, TEE-1 10 at main, CAP-1 none; GIFT-1 and SET-1 plain."""
    for code in ("MUG-1", "TEE-1", "CAP-1", "GIFT-1", "SET-1"):
        await add_sku(code)
    await use_stock.record(ledger.receive("MUG-1", 7), ACTOR)
    await use_stock.record(ledger.receive("MUG-1", 4, "east"), ACTOR)
    await use_stock.record(ledger.receive("TEE-1", 10), ACTOR)


def _parts(text: str) -> list[Component]:
    return bundles.parse_components(text.split())


class TestRecipes:
    async def test_set_show_list_and_remove(self, catalogue: None) -> None:
        """A recipe is stored sorted, listed, and removed back to a plain SKU."""
        stored = (await bundles.set_recipe("GIFT-1", _parts("TEE-1:1 MUG-1:2"), ACTOR, NOW)).stored
        assert (str(stored.recipe), stored.version, stored.changed_by) == (
            "MUG-1:2 TEE-1:1",
            1,
            "cli:tester",
        )
        assert str((await bundles.show("GIFT-1")).recipe) == "MUG-1:2 TEE-1:1"
        assert [r.recipe.bundle for r in await bundles.list_recipes()] == ["GIFT-1"]
        await bundles.remove("GIFT-1")
        with pytest.raises(NotABundle):
            await bundles.show("GIFT-1")
        assert await models.Sku.exists(code="GIFT-1")

    async def test_setting_again_replaces_the_recipe_and_moves_the_version(
        self, catalogue: None
    ) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2 TEE-1:1"), ACTOR, NOW)
        again = (await bundles.set_recipe("GIFT-1", _parts("CAP-1:3"), ACTOR, NOW)).stored
        assert (str(again.recipe), again.version) == ("CAP-1:3", 2)
        assert str((await bundles.show("GIFT-1")).recipe) == "CAP-1:3"

    async def test_a_bundle_inside_a_bundle_is_refused_and_nothing_changes(
        self, catalogue: None
    ) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2"), ACTOR, NOW)
        with pytest.raises(NestedBundle, match="is a bundle itself"):
            await bundles.set_recipe("SET-1", _parts("GIFT-1:1 TEE-1:1"), ACTOR, NOW)
        with pytest.raises(NestedBundle, match="component of the bundle"):
            await bundles.set_recipe("MUG-1", _parts("TEE-1:1"), ACTOR, NOW)
        assert await bundles.bundle_codes() == {"GIFT-1"}

    async def test_a_sku_with_stock_cannot_become_a_bundle(self, catalogue: None) -> None:
        """The refusal names the on-hand, per location."""
        with pytest.raises(BundleHoldsStock, match="main 10 on hand"):
            await bundles.set_recipe("TEE-1", _parts("CAP-1:1"), ACTOR, NOW)
        assert await bundles.bundle_codes() == set()

    async def test_unknown_skus_are_refused(self, catalogue: None) -> None:
        with pytest.raises(UnknownSku, match="NOPE"):
            await bundles.set_recipe("GIFT-1", _parts("NOPE:1"), ACTOR, NOW)
        with pytest.raises(UnknownSku, match="NOPE"):
            await bundles.set_recipe("NOPE", _parts("MUG-1:1"), ACTOR, NOW)
        assert await bundles.bundle_codes() == set()

    async def test_two_sets_at_once_never_nest_a_bundle(self, catalogue: None) -> None:
        """GIFT-1 := CAP-1 and CAP-1 := TEE-1 at the same moment: both lock CAP-1, so the
        second sees the first and is refused; exactly one stands."""
        await add_sku("KIT-1")
        for _ in range(5):
            for code in ("GIFT-1", "CAP-1"):
                if code in await bundles.bundle_codes():
                    await bundles.remove(code)
            outcomes = await asyncio.gather(
                bundles.set_recipe("GIFT-1", _parts("CAP-1:1"), ACTOR, NOW),
                bundles.set_recipe("CAP-1", _parts("TEE-1:1"), ACTOR, NOW),
                return_exceptions=True,
            )
            refused = [o for o in outcomes if isinstance(o, NestedBundle)]
            assert len(refused) == 1, outcomes
            assert len(await bundles.bundle_codes()) == 1


class TestAvailability:
    async def test_per_location_with_the_limiting_component(self, catalogue: None) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2 TEE-1:1"), ACTOR, NOW)
        stock = await bundles.stock_of("GIFT-1")
        assert stock is not None
        assert {place: a.explain() for place, a in stock.locations.items()} == {
            "east": "0, limited by TEE-1: 0 available / 1",
            "main": "3, limited by MUG-1: 7 available / 2",
        }
        assert stock.available == 3

    async def test_a_plain_sku_has_no_bundle_stock(self, catalogue: None) -> None:
        assert await bundles.stock_of("MUG-1") is None

    async def test_many_bundles_in_a_fixed_number_of_queries(self, catalogue: None) -> None:
        """Two queries (recipes, then balances of all components) whatever the count."""
        codes = [f"KIT-{n}" for n in range(30)]
        for code in codes:
            await add_sku(code)
            await bundles.set_recipe(code, _parts(f"MUG-1:{1 + len(code) % 3} TEE-1:1"), ACTOR)
        client = connections.get("default")
        seen: list[str] = []
        original = client.execute_query

        async def counting(query: str, values: list[object] | None = None) -> object:
            seen.append(query)
            return await original(query, values)

        client.execute_query = counting  # type: ignore[method-assign]
        try:
            found = await bundles.availability(codes)
        finally:
            client.execute_query = original  # type: ignore[method-assign]
        assert sorted(found) == sorted(codes)
        assert len(seen) == 2
        assert found["KIT-1"].locations["main"].available == 7 // (1 + len("KIT-1") % 3)


class TestStockRefusedOnABundle:
    @pytest.mark.parametrize(
        "entry",
        [
            ledger.receive("GIFT-1", 1),
            ledger.damage("GIFT-1", 1),
            ledger.adjust("GIFT-1", 2, "found"),
            ledger.Count("GIFT-1", 4),
        ],
        ids=["receipt", "damage", "adjustment", "count"],
    )
    async def test_refused_naming_the_components(
        self, catalogue: None, entry: ledger.Entry
    ) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2 TEE-1:1"), ACTOR, NOW)
        before = await models.Movement.all().count()
        with pytest.raises(BundleHoldsNoStock, match=r"components \(MUG-1, TEE-1\)"):
            await use_stock.record(entry, ACTOR)
        assert await models.Movement.all().count() == before

    async def test_a_stocktake_refuses_a_named_bundle_and_skips_it_in_all(
        self, catalogue: None
    ) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2"), ACTOR, NOW)
        with pytest.raises(BundleHoldsNoStock, match="stock-take count"):
            await stocktakes.start(ACTOR, skus=["GIFT-1", "MUG-1"])
        session = await stocktakes.start(ACTOR)
        with pytest.raises(BundleHoldsNoStock, match="MUG-1"):
            await stocktakes.count(session.id, "GIFT-1", 3, ACTOR)
        view = await stocktakes.review(session.id)
        assert "GIFT-1" not in {line.sku for line in view.lines}

    async def test_a_purchase_order_line_for_a_bundle_is_refused(self, catalogue: None) -> None:
        await bundles.set_recipe("GIFT-1", _parts("MUG-1:2"), ACTOR, NOW)
        await purchasing.add_supplier("Acme")
        order = await purchasing.create_order("Acme", ACTOR)
        with pytest.raises(BundleHoldsNoStock, match="purchase"):
            await purchasing.add_line(order.number, "GIFT-1", 5, ACTOR)

    async def test_reversing_an_old_movement_of_a_bundle_is_refused(self, catalogue: None) -> None:
        """A SKU counted back to zero may become a bundle; undoing its old receipt would
        give it stock again, so it is refused and nothing is written."""
        await use_stock.record(ledger.receive("SET-1", 2), ACTOR)
        await use_stock.record(ledger.Count("SET-1", 0), ACTOR)
        await bundles.set_recipe("SET-1", _parts("MUG-1:1"), ACTOR, NOW)
        receipt = await models.Movement.get(sku_id="SET-1", kind="receive")
        before = await models.Movement.all().count()
        with pytest.raises(BundleHoldsNoStock, match="reversal"):
            await use_stock.reverse(receipt.id, ACTOR)
        assert await models.Movement.all().count() == before
