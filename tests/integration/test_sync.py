"""Channel sync on a real database: plan, push only differences, hold raises, resume,
quarantine, and batches refused whole: bounded resends, then abandoned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from connectors.base import ConnectorError, LevelChange, Listing, PushOutcome
from connectors.fake import FakeConnector
from syncbot.ledger import damage, receive
from syncbot.ledger.allocation import Policy
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.store import models, sync_models
from syncbot.store.catalogue import add_sku
from syncbot.store.listings import release
from syncbot.store.orders import record_order_event
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import check_drift
from syncbot.sync.failures import SENDS
from syncbot.sync.listings import discover
from syncbot.sync.pusher import SyncReport, sync
from syncbot.web.auth import Access
from syncbot.web.channels_api import channels_router

GRACE = timedelta(minutes=10)
T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def shop(database: str) -> FakeConnector:
    """Channel `shop` lists MUG and TEE; syncbot has 10 of each available at main."""
    connector = FakeConnector("shop", secret="dummy")
    for sku in ("MUG", "TEE"):
        await add_sku(sku)
        await post([receive(sku, 10)])
        connector.listed.append(Listing(sku, f"variant-{sku}", f"item-{sku}"))
    await discover(connector)
    return connector


async def run(shop: FakeConnector, clock: Clock, **policy: int) -> SyncReport:
    channel = SyncChannel(shop, ("main",), Policy(**policy))
    return await sync(channel, grace=GRACE, clock=clock)


async def sale(order_id: str, sku: str, quantity: int, channel: str = "shop") -> None:
    line = OrderLine("L1", sku, quantity=quantity, current=quantity, fulfilled=0)
    await record_order_event(channel, OrderSnapshot(order_id, T0, (line,)))


class TestPushingDifferences:
    async def test_the_first_sync_reads_then_pushes_what_the_policy_publishes(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Compare-and-set needs the channel's level, so it is read before the first push."""
        shop.levels = {"item-MUG": 3, "item-TEE": 0}
        report = await run(shop, clock, buffer=2)
        assert (report.read, report.pushed) == (2, 2)
        assert shop.levels == {"item-MUG": 8, "item-TEE": 8}
        assert [(c.expected, c.quantity) for c in shop.pushes[0]] == [(3, 8), (0, 8)]

    async def test_only_changed_listings_are_pushed(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        await post([damage("MUG", 1)])
        report = await run(shop, clock)
        assert (report.pushed, report.in_sync) == (1, 1)
        assert [c.listing.sku for c in shop.pushes[-1]] == ["MUG"]
        assert shop.levels["item-MUG"] == 9

    async def test_a_sync_with_nothing_changed_calls_nothing(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        calls = len(shop.pushes)
        assert (await run(shop, clock)).pushed == 0
        assert len(shop.pushes) == calls

    async def test_changes_go_in_batches_of_the_channel_limit(self, database: str) -> None:
        """7 changed listings on a channel taking 3 per call: 3 calls."""
        connector = FakeConnector("small", secret="dummy", batch_limit=3)
        for n in range(7):
            await add_sku(f"SKU-{n}")
            await post([receive(f"SKU-{n}", 5)])
            connector.listed.append(Listing(f"SKU-{n}", f"v{n}", f"i{n}"))
            connector.levels[f"i{n}"] = 0
        await discover(connector)
        await sync(SyncChannel(connector, ("main",)), grace=GRACE)
        assert [len(call) for call in connector.pushes] == [3, 3, 1]

    async def test_every_push_is_recorded_with_its_key(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        pushes = await sync_models.ListingPush.filter(channel="shop").order_by("sku")
        assert [(p.sku, p.status, p.quantity, p.acknowledged) for p in pushes] == [
            ("MUG", "acknowledged", 10, 10),
            ("TEE", "acknowledged", 10, 10),
        ]
        assert pushes[0].explanation == "10 = available 10"
        assert {p.idempotency_key for p in pushes} == set(shop.applied)

    async def test_a_channel_with_the_longest_name_allowed_pushes(self, database: str) -> None:
        """A name of 64 characters (channels.toml allows it) still makes keys that fit
        the key column: the push is recorded and acknowledged, not refused by the store."""
        name = "a" * 64
        connector = FakeConnector(name, secret="dummy")
        await add_sku("MUG")
        await post([receive("MUG", 4)])
        connector.listed.append(Listing("MUG", "variant-MUG", "item-MUG"))
        await discover(connector)
        await sync(SyncChannel(connector, ("main",)), grace=GRACE)
        [push] = await sync_models.ListingPush.filter(channel=name)
        assert (push.status, push.acknowledged, len(push.idempotency_key)) == (
            "acknowledged",
            4,
            64,
        )
        assert connector.levels == {"item-MUG": 4}


class TestStaleCompare:
    async def test_a_stale_level_is_re_read_re_planned_and_retried_alone(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Someone set MUG to 12 on the channel: the push is not forced, it is re-planned."""
        await run(shop, clock)
        shop.levels["item-MUG"] = 12  # raised on the channel: no sale to wait for
        await post([damage("MUG", 1), damage("TEE", 1)])
        report = await run(shop, clock)
        assert report.stale == 1
        assert [len(call) for call in shop.pushes[-2:]] == [2, 1]
        assert shop.pushes[-1][0].expected == 12
        assert shop.levels == {"item-MUG": 9, "item-TEE": 9}


class TestNoStaleRaise:
    async def test_a_raise_waits_for_a_delayed_order_webhook(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """The channel sold 2 whose webhook is late; a receipt must not re-list them."""
        await run(shop, clock)
        shop.levels["item-MUG"] = 8  # the sale, on the channel; its webhook is delayed
        await post([receive("MUG", 1)])
        report = await run(shop, clock)
        assert report.held == 1
        assert shop.levels["item-MUG"] == 8  # not raised to 11
        listing = await sync_models.ChannelListing.get(channel="shop", sku="MUG")
        assert listing.held_since == T0

        await sale("order-1", "MUG", 2)  # the webhook arrives: 9 available
        clock.now += timedelta(seconds=30)
        report = await run(shop, clock)
        assert (report.held, report.pushed) == (0, 1)
        assert shop.levels["item-MUG"] == 9
        assert (await sync_models.ChannelListing.get(channel="shop", sku="MUG")).held_since is None

    async def test_after_the_grace_period_the_gap_is_drift_and_the_push_goes(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        shop.levels["item-MUG"] = 8
        await post([receive("MUG", 1)])
        assert (await run(shop, clock)).held == 1
        clock.now += GRACE
        report = await run(shop, clock)
        assert report.drift == {"MUG": 2}
        assert shop.levels["item-MUG"] == 11
        event = await models.OutboxEvent.get(name="drift_recorded")
        assert event.payload == {"channel": "shop", "sku": "MUG", "units": 2}

    async def test_another_channels_sale_does_not_account_for_this_one(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Only orders ingested from this channel explain what this channel took."""
        await post([receive("MUG", 5)])
        await run(shop, clock)
        shop.levels["item-MUG"] = 13
        await sale("other-1", "MUG", 2, channel="other")
        await post([receive("MUG", 4)])
        assert (await run(shop, clock)).held == 1


class TestChannelRestocks:
    """A channel that restocks its own cancelled order raises its level by itself: what
    syncbot believes it holds must not stay at the old reading."""

    async def take_and_restock(self, shop: FakeConnector, clock: Clock) -> None:
        """Pushed 10; the channel sells 1 (9) and syncbot ingests it; then the channel
        cancels the order and restocks it (10 again) and syncbot ingests the cancel."""
        await run(shop, clock)
        shop.levels["item-MUG"] = 9  # the sale, taken on the channel
        await sale("order-1", "MUG", 1)
        await run(shop, clock)  # a stale compare, re-read: believed 9, last pushed 10
        shop.levels["item-MUG"] = 10  # the channel restocks its cancelled order itself
        line = OrderLine("L1", "MUG", quantity=1, current=0, fulfilled=0)
        snapshot = OrderSnapshot("order-1", T0 + timedelta(minutes=1), (line,), cancelled=True)
        await record_order_event("shop", snapshot)

    async def test_the_cancel_is_not_held_against_an_old_reading(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """10 planned and 10 on the channel: nothing to hold, and the next change goes."""
        await self.take_and_restock(shop, clock)
        report = await run(shop, clock)
        assert report.held == 0
        assert (await sync_models.ChannelListing.get(channel="shop", sku="MUG")).held_since is None
        await post([damage("MUG", 1)])
        await run(shop, clock)
        assert shop.levels["item-MUG"] == 9

    async def test_a_change_ingested_with_the_cancel_is_pushed(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Planned 9 equals the old reading, but the channel holds 10 since its restock."""
        await self.take_and_restock(shop, clock)
        await post([damage("MUG", 1)])
        report = await run(shop, clock)
        assert report.pushed == 1
        assert shop.levels["item-MUG"] == 9

    async def test_a_hold_still_waits_for_a_sale_the_channel_really_took(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """The re-read confirms a level below the push: the raise still waits."""
        await self.take_and_restock(shop, clock)
        shop.levels["item-MUG"] = 8  # two more sold on the channel, webhooks late
        await post([receive("MUG", 1)])
        report = await run(shop, clock)
        assert report.held == 1
        assert shop.levels["item-MUG"] == 8


class TestChannelSalesOffset:
    async def test_a_sale_on_the_channel_offset_by_a_cancel_elsewhere_is_read_and_pushed(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Pushed 10; the channel sells 2 itself (8) and syncbot ingests the sale, while
        another channel's cancel puts 2 back: planned 10 equals the pushed level syncbot
        still believes, but the channel holds 8. It is read and raised, not left in sync."""
        await run(shop, clock)
        shop.levels["item-MUG"] = 8
        await sale("order-1", "MUG", 2)
        await post([receive("MUG", 2)])  # units back from elsewhere, before any push
        report = await run(shop, clock)
        assert report.pushed == 1
        assert shop.levels["item-MUG"] == 10


class TestCrashes:
    async def test_a_push_whose_answer_was_lost_is_sent_again_under_the_same_key(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        """Applied, then the process lost the answer: the retry applies nothing twice."""
        await run(shop, clock)
        await post([damage("MUG", 3)])
        shop.lose_answers = 1
        report = await run(shop, clock)
        assert report.error == "the connection dropped before the answer arrived"
        sending = await sync_models.ListingPush.get(channel="shop", status="sending")
        assert shop.levels["item-MUG"] == 7

        report = await run(shop, clock)
        assert report.resumed == 1
        assert shop.pushes[-1][0].idempotency_key == sending.idempotency_key
        assert shop.pushes[-1][0].expected == 10
        await sending.refresh_from_db()
        assert (sending.status, sending.acknowledged) == ("acknowledged", 7)
        assert shop.levels["item-MUG"] == 7
        health = await sync_models.ChannelHealth.get(channel="shop")
        assert (health.error, health.failures) == (None, 0)

    async def test_a_failed_call_is_recorded_as_channel_health(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        shop.lose_answers = 2
        await run(shop, clock)
        await run(shop, clock)
        health = await sync_models.ChannelHealth.get(channel="shop")
        assert health.failures == 2
        assert health.error == "the connection dropped before the answer arrived"

    async def test_repeated_failures_raise_one_sync_failing_event(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        shop.lose_answers = 5
        for _ in range(5):
            await run(shop, clock)
        events = await models.OutboxEvent.filter(name="sync_failing")
        assert [event.payload["failures"] for event in events] == [3]
        assert events[0].payload["channel"] == "shop"


class TestQuarantine:
    async def test_one_bad_item_is_quarantined_and_the_rest_pushed(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        shop.failing = {"item-TEE"}
        report = await run(shop, clock)
        assert (report.pushed, report.quarantined) == (1, ["TEE"])
        listing = await sync_models.ChannelListing.get(channel="shop", sku="TEE")
        assert listing.quarantined_error == "unknown inventory item item-TEE"
        event = await models.OutboxEvent.get(name="listing_quarantined")
        assert event.payload["sku"] == "TEE"

        await post([damage("TEE", 1)])
        calls = len(shop.pushes)
        await run(shop, clock)
        assert len(shop.pushes) == calls  # quarantined: never pushed until released

        shop.failing = set()
        assert await release("shop", ["TEE"]) == 1
        await run(shop, clock)
        assert shop.levels["item-TEE"] == 9


class TestDrift:
    async def test_drift_is_what_the_channel_shows_minus_what_syncbot_would_publish(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        shop.levels["item-MUG"] = 7
        report = await check_drift(SyncChannel(shop, ("main",)), clock=clock)
        assert {line.sku: line.drift for line in report.lines} == {"MUG": -3, "TEE": 0}
        assert report.units == 3
        listing = await sync_models.ChannelListing.get(channel="shop", sku="MUG")
        assert (listing.drift, listing.channel_quantity) == (-3, 7)

    async def test_rediscovery_keeps_the_sync_state_of_listings_still_listed(
        self, shop: FakeConnector, clock: Clock
    ) -> None:
        await run(shop, clock)
        await discover(shop)
        listing = await sync_models.ChannelListing.get(channel="shop", sku="MUG")
        assert listing.pushed_quantity == 10


TOKEN = "sync-tests-dummy-api-token-0000"  # for tests only


async def api_listings(channel: str, **params: str) -> list[dict[str, Any]]:
    """`GET /api/channels/{channel}/listings`, in process."""
    app = FastAPI()
    app.include_router(channels_router({channel: "fake"}, Access(SecretStr(TOKEN))))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://syncbot") as client:
        answer = await client.get(
            f"/api/channels/{channel}/listings",
            params=params,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert answer.status_code == 200
    result: list[dict[str, Any]] = answer.json()
    return result


class Refusing(FakeConnector):
    """Refuses whole every call that carries one of `refusing`: nothing in it applies."""

    def __init__(self, batch_limit: int = 250) -> None:
        super().__init__("shop", secret="dummy", batch_limit=batch_limit)
        self.refusing: set[str] = set()

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        if {change.listing.inventory_id for change in changes} & self.refusing:
            self.pushes.append(list(changes))
            raise ConnectorError("INVALID_VARIABLE: could not coerce value 3000000000 to Int")
        return await super().push_levels(changes)


async def refusing_shop(skus: Sequence[str], batch_limit: int = 250) -> Refusing:
    connector = Refusing(batch_limit)
    for sku in skus:
        await add_sku(sku)
        await post([receive(sku, 10)])
        connector.listed.append(Listing(sku, f"variant-{sku}", f"item-{sku}"))
    await discover(connector)
    return connector


class TestRefusedWhole:
    async def test_resends_are_counted_in_the_database_then_the_batch_is_abandoned(
        self, database: str, clock: Clock
    ) -> None:
        shop = await refusing_shop(["MUG", "TEE"])
        await run(shop, clock)
        shop.refusing = {"item-MUG"}
        await post([damage("MUG", 1), damage("TEE", 2)])

        for attempt in range(1, SENDS):
            report = await run(shop, clock)  # each sync as a new process would run it
            push = await sync_models.ListingPush.get(sku="MUG", status="sending")
            assert (push.attempts, push.error) == (attempt, report.error)

        report = await run(shop, clock)

        assert report.abandoned == ["MUG", "TEE"]
        assert len(shop.pushes) == 1 + SENDS
        mug = await sync_models.ChannelListing.get(sku="MUG")
        assert (mug.channel_quantity, mug.abandoned_at) == (None, clock.now)
        assert mug.abandoned_error == report.error
        shown = await api_listings("shop", state="abandoned")
        assert [(row["sku"], row["state"]) for row in shown] == [
            ("MUG", "abandoned"),
            ("TEE", "abandoned"),
        ]
        assert shown[0]["abandoned_error"] == report.error

        # Read again, re-planned, each alone: TEE goes; MUG fails only its own call.
        report = await run(shop, clock)
        assert shop.levels["item-TEE"] == 8
        assert [len(call) for call in shop.pushes[-2:]] == [1, 1]
        assert (await sync_models.ChannelListing.get(sku="TEE")).abandoned_at is None

        shop.refusing = set()
        await run(shop, clock)
        assert shop.levels["item-MUG"] == 9
        assert (await sync_models.ChannelListing.get(sku="MUG")).abandoned_at is None

    async def test_other_listings_are_pushed_while_a_batch_waits(
        self, database: str, clock: Clock
    ) -> None:
        shop = await refusing_shop(["MUG", "TEE"])
        await run(shop, clock)
        shop.refusing = {"item-MUG"}
        await post([damage("MUG", 1)])
        await run(shop, clock)
        await post([damage("TEE", 4), damage("MUG", 1)])

        report = await run(shop, clock)

        assert shop.levels["item-TEE"] == 6
        assert (report.pushed, report.resumed, report.refused) == (1, 1, 1)
        # MUG's refused change stays as recorded: the newer plan waits for its outcome.
        assert [change.quantity for change in shop.pushes[-1]] == [9]

    async def test_a_second_whole_failure_in_a_row_stops_the_sync(
        self, database: str, clock: Clock
    ) -> None:
        """Every call refused: the channel itself is failing, so the sync stops instead of
        sending the rest only to have them refused too."""
        shop = await refusing_shop(["A", "B", "C"], batch_limit=1)
        await run(shop, clock)
        shop.refusing = {"item-A", "item-B", "item-C"}
        await post([damage(sku, 1) for sku in ("A", "B", "C")])
        calls = len(shop.pushes)

        report = await run(shop, clock)

        assert len(shop.pushes) == calls + 2
        assert report.error is not None
        assert await sync_models.ListingPush.filter(status="sending").count() == 2
