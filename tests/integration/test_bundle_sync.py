"""Bundle listings on a real database: planned from their components' stock under the
channel's policy, re-planned by every change of a component or of the recipe, never promised
twice beyond what each listing alone could sell, and held like any SKU while the channel
took bundles syncbot has not ingested."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from test_scheduler import running

from connectors.base import Listing
from connectors.fake import FakeConnector
from syncbot.app import channels as channels_use
from syncbot.app.channels import ListingFilter
from syncbot.ledger import damage, receive
from syncbot.ledger.allocation import Incoming, Policy
from syncbot.ledger.bundles import Component, explode
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.runtime.scheduler import ChangeWatcher, SyncScheduler
from syncbot.store import bundles as store_bundles
from syncbot.store import pushes
from syncbot.store.catalogue import add_sku
from syncbot.store.orders import record_order_event
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.listings import discover
from syncbot.sync.planner import plan
from syncbot.sync.pusher import SyncReport, sync
from syncbot.sync.supply import Supply
from syncbot.testing import eventually as polled

GRACE = timedelta(minutes=10)
T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
NOW = datetime.now(UTC)


@pytest.fixture
async def shop(database: str) -> FakeConnector:
    """`shop` lists MUG (5 available at main), TEE (10), and GIFT = MUG:2 TEE:1."""
    connector = FakeConnector("shop", secret="dummy")
    for sku, units in (("MUG", 5), ("TEE", 10), ("GIFT", 0)):
        await add_sku(sku)
        if units:
            await post([receive(sku, units)])
        connector.listed.append(Listing(sku, f"variant-{sku}", f"item-{sku}"))
        connector.levels[f"item-{sku}"] = 0
    await store_bundles.set_recipe(
        "GIFT", [Component("MUG", 2), Component("TEE", 1)], "cli:test", NOW
    )
    await discover(connector)
    return connector


async def run(shop: FakeConnector, **policy: object) -> SyncReport:
    return await sync(channel(shop, **policy), grace=GRACE)


def channel(shop: FakeConnector, **policy: object) -> SyncChannel:
    return SyncChannel(shop, ("main",), Policy(**policy))  # type: ignore[arg-type]


async def sell_bundle(order_id: str, quantity: int = 1, channel_name: str = "shop") -> None:
    """A GIFT sold on the channel: its order moves the components its recipe names (as the
    order reconciliation of bundle lines posts them)."""
    stored = await store_bundles.recipe_of("GIFT")
    assert stored is not None
    lines = tuple(
        OrderLine(
            f"L-{part.sku}", part.sku, quantity=part.quantity, current=part.quantity, fulfilled=0
        )
        for part in explode(stored.recipe, quantity)
    )
    await record_order_event(channel_name, OrderSnapshot(order_id, T0, lines))


class TestPlanning:
    async def test_a_bundle_listing_shows_what_its_components_make(
        self, shop: FakeConnector
    ) -> None:
        """5 MUG and 10 TEE make ⌊5/2⌋ = 2 GIFT, limited by MUG, and the plan says so."""
        current = await plan(channel(shop), now=NOW, grace=GRACE)
        gift = next(item for item in current.items if item.listing.sku == "GIFT")
        assert gift.allocation.quantity == 2
        assert gift.allocation.explanation == (
            "2 = available 2 (bundles at main limited by MUG: 5 available / 2)"
        )
        await run(shop)
        assert shop.levels == {"item-MUG": 5, "item-TEE": 10, "item-GIFT": 2}

    async def test_the_bundles_own_policy_applies_to_bundles(self, shop: FakeConnector) -> None:
        """A buffer of 1 keeps one bundle back, not one unit of a component."""
        await receive_more("MUG", 5)  # 10 MUG, 10 TEE: 5 GIFT
        overrides = {"GIFT": Policy(buffer=1)}
        await sync(SyncChannel(shop, ("main",), Policy(), overrides), grace=GRACE)
        assert shop.levels == {"item-MUG": 10, "item-TEE": 10, "item-GIFT": 4}

    async def test_the_maximum_caps_a_bundle(self, shop: FakeConnector) -> None:
        await run(shop, maximum=1)
        assert shop.levels["item-GIFT"] == 1

    async def test_bundles_are_made_at_each_location_then_summed(self, shop: FakeConnector) -> None:
        """2 MUG at main and 1 TEE at east make no set together; 2 more TEE at main do."""
        await post([damage("MUG", 3)])  # main: 2 MUG, 10 TEE
        await add_location_stock("MUG", "east", 4)  # east: 4 MUG, no TEE
        both = SyncChannel(shop, ("main", "east"))
        await sync(both, grace=GRACE)
        assert shop.levels["item-GIFT"] == 1

    async def test_incoming_components_count_only_when_the_policy_sells_them(
        self, shop: FakeConnector
    ) -> None:
        """Lots of MUG due soon make more GIFT, with `sell_incoming`; without, none."""
        stored = await store_bundles.recipe_of("GIFT")
        assert stored is not None
        stock = Supply(
            {"MUG": {"main": 5}, "TEE": {"main": 10}},
            {"MUG": [Incoming("main", 3, date(2026, 12, 9))]},
            {"GIFT": stored.recipe},
        )
        selling = SyncChannel(shop, ("main",), Policy(sell_incoming=True))
        allocation = stock.allocate(selling, "GIFT", date(2026, 12, 1))
        assert allocation.quantity == 4  # ⌊(5 + 3) / 2⌋
        assert allocation.explanation.startswith("4 = available 2 + incoming 2 due 9 Dec")
        assert stock.allocate(channel(shop), "GIFT", date(2026, 12, 1)).quantity == 2

    async def test_a_bundle_without_a_recipe_any_more_shows_zero(self, shop: FakeConnector) -> None:
        """`bundle remove` makes GIFT a plain SKU again, with no stock of its own."""
        await run(shop)
        await store_bundles.remove("GIFT")
        await run(shop)
        assert shop.levels["item-GIFT"] == 0

    async def test_drift_is_measured_against_the_bundles_plan(self, shop: FakeConnector) -> None:
        await run(shop)
        shop.levels["item-GIFT"] = 5
        report = await check_drift(channel(shop))
        assert {line.sku: line.drift for line in report.drifting} == {"GIFT": 3}


class TestNoDoublePromise:
    async def test_each_listing_shows_what_it_alone_could_sell(self, shop: FakeConnector) -> None:
        """5 MUG, GIFT of MUG:2: MUG lists 5 and GIFT 2. One GIFT sold takes 2 MUG: MUG
        lists 3 and GIFT 1, at the next sync (the change trigger's job, below)."""
        await run(shop)
        assert (shop.levels["item-MUG"], shop.levels["item-GIFT"]) == (5, 2)
        shop.levels["item-GIFT"] = 1  # the channel took the sale
        await sell_bundle("O-1")
        await run(shop)
        assert (shop.levels["item-MUG"], shop.levels["item-GIFT"]) == (3, 1)

    async def test_a_component_sold_alone_lowers_every_bundle_made_of_it(
        self, shop: FakeConnector
    ) -> None:
        await run(shop)
        line = OrderLine("L1", "MUG", quantity=4, current=4, fulfilled=0)
        await record_order_event("shop", OrderSnapshot("O-2", T0, (line,)))
        await run(shop)
        assert (shop.levels["item-MUG"], shop.levels["item-GIFT"]) == (1, 0)

    async def test_an_oversold_component_makes_zero_bundles(self, shop: FakeConnector) -> None:
        await run(shop)
        line = OrderLine("L1", "MUG", quantity=7, current=7, fulfilled=0)
        await record_order_event("elsewhere", OrderSnapshot("O-3", T0, (line,)))
        await run(shop)
        assert (shop.levels["item-MUG"], shop.levels["item-GIFT"]) == (0, 0)


class TestNoStaleRaise:
    async def test_a_bundle_sale_not_yet_ingested_holds_a_raise(self, shop: FakeConnector) -> None:
        """The channel sold a GIFT syncbot has not ingested: a receipt of MUG must not
        raise GIFT yet. Once the sale's components are ingested, the raise goes."""
        await run(shop)
        shop.levels["item-GIFT"] = 1  # sold on the channel, not ingested
        await receive_more("MUG", 6)  # 11 MUG: 5 GIFT planned
        report = await run(shop)
        assert report.held == 1
        assert shop.levels["item-GIFT"] == 1
        await sell_bundle("O-4")  # ingested: 9 MUG, 9 TEE → 4 GIFT
        await run(shop)
        assert shop.levels["item-GIFT"] == 4

    async def test_a_component_sold_alone_does_not_explain_a_bundle_drop(
        self, shop: FakeConnector
    ) -> None:
        """2 MUG sold alone on the same channel account for no GIFT: TEE was not taken."""
        await run(shop)
        shop.levels["item-GIFT"] = 1
        shop.levels["item-MUG"] = 3
        line = OrderLine("L1", "MUG", quantity=2, current=2, fulfilled=0)
        await record_order_event("shop", OrderSnapshot("O-5", T0, (line,)))
        await receive_more("MUG", 10)  # 13 MUG: 6 GIFT planned
        report = await run(shop)
        assert shop.levels["item-GIFT"] == 1
        assert report.held == 1

    async def test_a_bundle_restocked_by_the_channel_is_read_again(
        self, shop: FakeConnector
    ) -> None:
        """The channel sells a GIFT (1), then cancels and restocks it (2) by itself while
        2 MUG are damaged: the plan, 1, equals the old reading, but the channel holds 2."""
        await run(shop)
        shop.levels["item-GIFT"] = 1
        await sell_bundle("O-6")  # 3 MUG, 9 TEE: 1 GIFT, found by a stale compare
        await run(shop)
        shop.levels["item-GIFT"] = 2  # the channel restocks its cancelled order
        lines = tuple(
            OrderLine(f"L-{sku}", sku, quantity=units, current=0, fulfilled=0)
            for sku, units in (("MUG", 2), ("TEE", 1))
        )
        later = T0 + timedelta(minutes=1)
        await record_order_event("shop", OrderSnapshot("O-6", later, lines, cancelled=True))
        await post([damage("MUG", 2)])  # 3 MUG, 10 TEE: 1 GIFT
        await run(shop)
        assert shop.levels["item-GIFT"] == 1


class TestChangesReplanBundles:
    async def test_a_component_change_reaches_the_bundle_listing(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        """Damage 2 MUG: the change trigger pushes MUG and GIFT, as one change."""
        await eventually(lambda: shop.levels.get("item-GIFT") == 2)
        await post([damage("MUG", 2)])
        await eventually(lambda: shop.levels["item-GIFT"] == 1, deadline=2.0)
        assert sorted(c.listing.sku for c in shop.pushes[-1]) == ["GIFT", "MUG"]

    async def test_bundle_set_replans_the_bundle(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        """GIFT becomes MUG:1 TEE:1: 5 of them, pushed without any stock change."""
        await eventually(lambda: shop.levels.get("item-GIFT") == 2)
        await store_bundles.set_recipe(
            "GIFT", [Component("MUG", 1), Component("TEE", 1)], "cli:test", NOW
        )
        await eventually(lambda: shop.levels["item-GIFT"] == 5, deadline=2.0)
        await store_bundles.remove("GIFT")
        await eventually(lambda: shop.levels["item-GIFT"] == 0, deadline=2.0)

    async def test_the_watcher_reads_recipe_changes(self, shop: FakeConnector) -> None:
        watcher = ChangeWatcher()
        await watcher.start()
        await store_bundles.set_recipe("GIFT", [Component("TEE", 3)], "cli:test", NOW)
        assert await watcher.changed() == {"GIFT"}

    async def test_the_bundles_of_changed_components_are_read_in_one_query(
        self, shop: FakeConnector
    ) -> None:
        for code in ("CUP", "DUO", "TRIO"):
            await add_sku(code)
        await store_bundles.set_recipe("DUO", [Component("MUG", 1)], "cli:test", NOW)
        await store_bundles.set_recipe("TRIO", [Component("CUP", 3)], "cli:test", NOW)
        assert await store_bundles.containing(["MUG"]) == {"GIFT", "DUO"}
        assert await store_bundles.containing(["MUG", "CUP", "TEE"]) == {"GIFT", "DUO", "TRIO"}
        assert await store_bundles.containing(["GIFT"]) == set()


@pytest.fixture
async def leading(shop: FakeConnector) -> AsyncIterator[SyncScheduler]:
    async with running({"shop": channel(shop)}) as scheduler:
        yield scheduler


async def eventually(check: Callable[[], bool], deadline: float = 10.0) -> None:
    await polled(check, deadline, "the channel got the change")


async def receive_more(sku: str, units: int) -> None:
    await post([receive(sku, units)])


async def add_location_stock(sku: str, location: str, units: int) -> None:
    await post([receive(sku, units, location)])


class TestStorefrontManagedListings:
    async def test_a_managed_listing_is_never_planned_nor_pushed(self, shop: FakeConnector) -> None:
        """A listing the storefront manages (its bundle product) is stored, reported and
        left alone, even with a change recorded `sending` before it became managed."""
        await run(shop)
        await pushes.record_sending(
            "shop",
            [{"sku": "GIFT", "inventory_id": "item-GIFT", "quantity": 9, "expected": 2}],
            0,
        )
        shop.listed[2] = Listing("GIFT", "variant-GIFT", "item-GIFT", managed_by_storefront=True)
        report = await discover(shop)
        assert report.managed == ["GIFT"]
        calls = len(shop.pushes)
        await post([damage("MUG", 2)])
        result = await run(shop)
        assert (result.pushed, result.quarantined, result.error) == (1, [], None)
        assert [c.listing.sku for call in shop.pushes[calls:] for c in call] == ["MUG"]
        assert shop.levels["item-GIFT"] == 2
        (view,) = await channels_use.listings("shop", ListingFilter.MANAGED)
        assert (view.sku, view.state, view.managed_by_storefront) == ("GIFT", "managed", True)
