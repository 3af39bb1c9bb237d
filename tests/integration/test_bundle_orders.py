"""Orders of bundles on a real database: a bundle line commits, fulfils, releases and
returns its components, by the recipe it was taken with, once."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot import ledger
from syncbot.app import bundles
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger import Quantities, UnknownSku
from syncbot.ledger.bundles import BundleHoldsStock
from syncbot.ledger.orders import Disposition, OrderLine, OrderReturn, OrderSnapshot, ReturnLine
from syncbot.store import bundles as store_bundles
from syncbot.store import models
from syncbot.store.bundle_models import Bundle, BundleComponent
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import parked_lines, record_order_event
from syncbot.store.stock import history, stock
from syncbot.store.verify import verify

ACTOR = Actor.cli("tester")
T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)


def order(
    order_id: str = "1001",
    minutes: int = 0,
    current: int = 2,
    fulfilled: int = 0,
    sku: str = "GIFT-1",
    *,
    cancelled: bool = False,
) -> OrderSnapshot:
    line = OrderLine("L1", sku, quantity=2, current=current, fulfilled=fulfilled)
    return OrderSnapshot(order_id, T0 + timedelta(minutes=minutes), (line,), cancelled)


def a_return(disposition: Disposition, quantity: int = 1, sku: str = "GIFT-1") -> OrderReturn:
    return OrderReturn("1001", (ReturnLine("R1", "L1", sku, quantity, disposition),))


async def at_main(sku: str) -> Quantities:
    return (await stock(sku)).locations.get("main", Quantities())


async def parts(*codes: str) -> dict[str, Quantities]:
    return {code: await at_main(code) for code in codes}


async def set_gift(components: str, **options: bool) -> bundles.RecipeSet:
    listed = bundles.parse_components(components.split())
    return await bundles.set_recipe("GIFT-1", listed, ACTOR, **options)


@pytest.fixture
async def gift(database: str) -> None:
    """MUG-1 10, TEE-1 10, CAP-1 10 at main; GIFT-1 = MUG-1:2 TEE-1:1 (version 1)."""
    for code in ("MUG-1", "TEE-1", "CAP-1", "GIFT-1"):
        await add_sku(code)
    for code in ("MUG-1", "TEE-1", "CAP-1"):
        await use_stock.record(ledger.receive(code, 10), ACTOR)
    await set_gift("MUG-1:2 TEE-1:1")


async def test_a_bundle_line_commits_its_components_in_one_posting(gift: None) -> None:
    """2 GIFT-1 commit 4 MUG-1 and 2 TEE-1, named in history; the bundle holds nothing."""
    posted = await record_order_event("shop", order())
    assert posted is not None
    assert {movement.sku for movement in posted.movements} == {"MUG-1", "TEE-1"}
    assert await parts("MUG-1", "TEE-1", "GIFT-1") == {
        "MUG-1": Quantities(available=6, committed=4),
        "TEE-1": Quantities(available=8, committed=2),
        "GIFT-1": Quantities(),
    }
    (latest,) = await history("MUG-1", limit=1)
    assert (latest.reason, latest.document) == (
        "order placed, in bundle GIFT-1",
        "shop/orders/1001",
    )
    assert (await bundles.stock_of("GIFT-1")).available == 3  # type: ignore[union-attr]


async def test_the_same_event_delivered_again_posts_nothing(gift: None) -> None:
    """Twins at once and a later repeat, of the order and of its return: each moves once."""
    results = await asyncio.gather(*(record_order_event("shop", order()) for _ in range(5)))
    assert sum(result is not None for result in results) == 1
    await record_order_event("shop", order(minutes=1, fulfilled=2))
    assert await record_order_event("shop", order(minutes=1, fulfilled=2)) is None
    back = a_return(Disposition.RESTOCK)
    assert await record_order_event("shop", back) is not None
    assert await record_order_event("shop", back) is None
    assert await parts("MUG-1", "TEE-1") == {
        "MUG-1": Quantities(available=8),
        "TEE-1": Quantities(available=9),
    }
    assert (await verify()).ok


async def test_an_open_order_keeps_the_recipe_it_was_taken_with(gift: None) -> None:
    """GIFT-1 becomes CAP-1:1 while order 1001 is open: 1001 ships mugs and tees, a new
    order takes caps."""
    await record_order_event("shop", order())
    changed = await set_gift("CAP-1:1")
    assert changed.stored.version == 2
    await record_order_event("shop", order(minutes=1, fulfilled=1, current=1))
    await record_order_event("shop", order("1002"))
    assert await parts("MUG-1", "TEE-1", "CAP-1") == {
        "MUG-1": Quantities(available=8),
        "TEE-1": Quantities(available=9),
        "CAP-1": Quantities(available=8, committed=2),
    }
    assert (await verify()).ok


async def test_cancelling_releases_the_components(gift: None) -> None:
    """A cancelling refund of one set releases its units; cancelling the order, the rest."""
    await record_order_event("shop", order())
    await record_order_event("shop", a_return(Disposition.CANCEL))
    assert (await at_main("MUG-1")) == Quantities(available=8, committed=2)
    await record_order_event("shop", order(minutes=1, current=1, cancelled=True))
    assert await parts("MUG-1", "TEE-1") == {
        "MUG-1": Quantities(available=10),
        "TEE-1": Quantities(available=10),
    }
    assert (await verify()).ok


async def test_a_return_of_a_bundle_moves_its_components_by_its_disposition(
    gift: None,
) -> None:
    """Two sets shipped; one comes back damaged: 2 mugs and a tee go to damaged."""
    await record_order_event("shop", order(fulfilled=2))
    await record_order_event("shop", a_return(Disposition.DAMAGED))
    assert await parts("MUG-1", "TEE-1") == {
        "MUG-1": Quantities(available=6, damaged=2),
        "TEE-1": Quantities(available=8, damaged=1),
    }
    assert (await verify()).ok


async def test_parked_lines_are_applied_when_their_sku_becomes_a_bundle(gift: None) -> None:
    """KIT-1 is not in syncbot: its order and return wait. `bundle set --add` adds it and
    applies both through the recipe; without `add` it is refused and nothing is written."""
    await record_order_event("shop", order(fulfilled=2, sku="KIT-1"))
    await record_order_event("shop", a_return(Disposition.RESTOCK, sku="KIT-1"))
    assert [line.line_id for line in await parked_lines()] == ["L1", "return:R1"]
    listed = bundles.parse_components(["TEE-1:3"])
    with pytest.raises(UnknownSku, match="KIT-1"):
        await bundles.set_recipe("KIT-1", listed, ACTOR)
    assert not await models.Sku.exists(code="KIT-1")
    done = await bundles.set_recipe("KIT-1", listed, ACTOR, add=True)
    assert (done.added, done.orders) == (True, 1)
    assert await parked_lines() == []
    assert await at_main("TEE-1") == Quantities(available=7)
    assert await at_main("KIT-1") == Quantities()
    assert (await verify()).ok


async def test_a_sku_with_open_orders_cannot_become_a_bundle(gift: None) -> None:
    """Taken as a plain SKU, the order holds CAP-1's units: the refusal says so."""
    await record_order_event("shop", order(sku="CAP-1"))
    with pytest.raises(BundleHoldsStock, match="main 10 on hand, 2 committed"):
        await bundles.set_recipe("CAP-1", bundles.parse_components(["TEE-1:1"]), ACTOR)


async def test_only_a_bundle_line_seen_for_the_first_time_reads_recipes(
    gift: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read of an order's SKUs says which are bundles: a plain order, and a bundle line
    already taken, read no recipe; a new bundle line reads its bundle's alone."""
    reads: list[list[str]] = []
    real = store_bundles.recipes

    async def counted(
        codes: Collection[str] | None = None, connection: BaseDBAsyncClient | None = None
    ) -> dict[str, store_bundles.StoredRecipe]:
        reads.append(sorted(codes or ()))
        return await real(codes, connection)

    monkeypatch.setattr(store_bundles, "recipes", counted)
    await record_order_event("shop", order("2001", sku="MUG-1"))
    await record_order_event("shop", order("2002"))
    await record_order_event("shop", order("2002", minutes=1, fulfilled=2))
    assert reads == [["GIFT-1"]]
    assert await at_main("MUG-1") == Quantities(available=4, committed=2)


async def test_a_bundle_another_process_sets_is_taken_by_the_next_order(gift: None) -> None:
    """Nothing about bundles outlives a transaction: a recipe written behind this process's
    back (by another, as the rows show it) is read by the next order of that SKU."""
    await record_order_event("shop", order("3001", sku="CAP-1", current=1))
    await add_sku("KIT-1")
    kit = await Bundle.create(sku_id="KIT-1", version=1, changed_at=T0, changed_by="other")
    await BundleComponent.create(bundle_id=kit.id, component_id="CAP-1", quantity=3)
    await record_order_event("shop", order("3002", sku="KIT-1"))
    assert await at_main("CAP-1") == Quantities(available=3, committed=7)
    assert await at_main("KIT-1") == Quantities()
