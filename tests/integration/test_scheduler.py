"""The scheduler on a real database: a committed change reaches the channel within seconds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from test_sync import shop as shop  # the same channel: MUG and TEE listed, 10 of each

from connectors.base import LevelChange, Listing, PushOutcome
from connectors.fake import FakeConnector
from syncbot.config import load_settings
from syncbot.ledger import damage
from syncbot.ledger.orders import OrderLine, OrderSnapshot
from syncbot.runtime.scheduler import LATE_COMMIT_WINDOW, ChangeWatcher, SyncScheduler
from syncbot.store import models, outbox, sync_models
from syncbot.store.orders import record_order_event
from syncbot.store.posting import post
from syncbot.sync.channels import SyncChannel
from syncbot.sync.listings import discover
from syncbot.testing import eventually as polled

DEADLINE = 10.0
T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def eventually(check: Callable[[], bool], deadline: float = DEADLINE) -> None:
    """Fails unless check() holds within the deadline."""
    await polled(check, deadline, "the channel got the change")


@contextlib.asynccontextmanager
async def running(
    channels: Mapping[str, SyncChannel], debounce: float = 0.2
) -> AsyncIterator[SyncScheduler]:
    """The scheduler running its jobs over `channels`, with a 0.05 s poll and `debounce`."""
    settings = load_settings(
        database_url="sqlite://syncbot.db",
        sync_poll_seconds=0.05,
        sync_debounce_seconds=debounce,
        drift_seconds=3600,
        catch_up_seconds=3600,
    )
    scheduler = SyncScheduler(channels, settings)
    task = asyncio.create_task(scheduler.lead())
    try:
        yield scheduler
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def leading(shop: FakeConnector) -> AsyncIterator[SyncScheduler]:
    async with running({"shop": SyncChannel(shop, ("main",))}) as scheduler:
        yield scheduler


class TestScheduler:
    async def test_the_start_up_sweep_pushes_every_listing(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        await eventually(lambda: shop.levels == {"item-MUG": 10, "item-TEE": 10})

    async def test_a_committed_change_is_pushed_after_the_debounce(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        """A damage reaches the channel in well under the 2 s the issue allows."""
        await eventually(lambda: shop.levels.get("item-MUG") == 10)
        await post([damage("MUG", 3)])
        await eventually(lambda: shop.levels["item-MUG"] == 7, deadline=2.0)
        assert [c.listing.sku for c in shop.pushes[-1]] == ["MUG"]

    async def test_a_burst_of_changes_goes_in_one_push(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        await eventually(lambda: shop.levels.get("item-TEE") == 10)
        calls = len(shop.pushes)
        await post([damage("MUG", 1)])
        await post([damage("TEE", 1)])
        await eventually(lambda: shop.levels == {"item-MUG": 9, "item-TEE": 9})
        assert len(shop.pushes) == calls + 1

    async def test_a_channels_own_restock_does_not_wait_for_the_drift_check(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        """The channel sells 1 and, once it is ingested, cancels and restocks it itself
        while 1 is damaged: the channel shows the plan, 9, within the change's 2 s."""
        await eventually(lambda: shop.levels.get("item-MUG") == 10)
        shop.levels["item-MUG"] = 9  # sold on the channel
        line = OrderLine("L1", "MUG", quantity=1, current=1, fulfilled=0)
        await record_order_event("shop", OrderSnapshot("order-1", T0, (line,)))
        await polled(_believed("MUG", 9), DEADLINE, "the sale's stale compare, read again")
        shop.levels["item-MUG"] = 10  # the channel restocks its cancelled order
        cancelled = OrderLine("L1", "MUG", quantity=1, current=0, fulfilled=0)
        later = T0 + timedelta(minutes=1)
        await record_order_event(
            "shop", OrderSnapshot("order-1", later, (cancelled,), cancelled=True)
        )
        await post([damage("MUG", 1)])  # 9 planned: the old reading, but the channel has 10
        await eventually(lambda: shop.levels["item-MUG"] == 9, deadline=2.0)

    async def test_a_failing_job_does_not_stop_the_scheduler(
        self, shop: FakeConnector, leading: SyncScheduler
    ) -> None:
        """The channel's answer is lost once; the next change still goes through."""
        await eventually(lambda: shop.levels.get("item-MUG") == 10)
        shop.lose_answers = 1
        await post([damage("MUG", 1)])
        await eventually(lambda: shop.lose_answers == 0)
        await post([damage("TEE", 2)])
        await eventually(lambda: shop.levels == {"item-MUG": 9, "item-TEE": 8})


class Stuck(FakeConnector):
    """A storefront whose push calls hang, once `stuck` is set, until `unstuck` is."""

    def __init__(self, name: str) -> None:
        super().__init__(name, secret="dummy")
        self.stuck = False
        self.waiting = asyncio.Event()
        self.unstuck = asyncio.Event()

    async def push_levels(self, changes: Sequence[LevelChange]) -> Sequence[PushOutcome]:
        if self.stuck:
            self.waiting.set()
            await self.unstuck.wait()
        return await super().push_levels(changes)


class TestSeveralChannels:
    """Each channel is pushed on its own: one storefront's slow or failing calls hold back
    no other's levels."""

    @pytest.fixture
    async def slow(self, shop: FakeConnector) -> Stuck:
        """Channel `slow`, listed before `shop`, also lists MUG and TEE."""
        connector = Stuck("slow")
        connector.listed += [
            Listing(sku, f"slow-{sku}", f"slow-item-{sku}") for sku in ("MUG", "TEE")
        ]
        await discover(connector)
        return connector

    @pytest.fixture
    async def both(self, shop: FakeConnector, slow: Stuck) -> AsyncIterator[SyncScheduler]:
        channels = {"slow": SyncChannel(slow, ("main",)), "shop": SyncChannel(shop, ("main",))}
        async with running(channels, debounce=0.05) as scheduler:
            yield scheduler
            slow.unstuck.set()

    async def test_a_stuck_channel_does_not_hold_back_another(
        self, shop: FakeConnector, slow: Stuck, both: SyncScheduler
    ) -> None:
        await eventually(lambda: slow.levels.get("slow-item-MUG") == 10)
        await eventually(lambda: shop.levels.get("item-MUG") == 10)
        slow.stuck = True
        await post([damage("MUG", 3)])
        await polled(slow.waiting.is_set, DEADLINE, "the slow channel's push started")
        # The slow storefront has not answered, and the other shows the change already.
        await eventually(lambda: shop.levels["item-MUG"] == 7)
        assert slow.levels["slow-item-MUG"] == 10
        slow.unstuck.set()
        await eventually(lambda: slow.levels["slow-item-MUG"] == 7)

    async def test_a_channel_whose_sync_raises_does_not_stop_another(
        self,
        shop: FakeConnector,
        slow: Stuck,
        both: SyncScheduler,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        await eventually(lambda: shop.levels.get("item-MUG") == 10)
        await eventually(lambda: slow.levels.get("slow-item-MUG") == 10)
        real = both.syncs.sync

        async def failing(name: str, skus: object = None) -> object:
            if name == "slow":
                raise RuntimeError("a bug in one channel's sync")
            return await real(name, skus)  # type: ignore[arg-type]

        monkeypatch.setattr(both.syncs, "sync", failing)
        await post([damage("TEE", 4)])
        await eventually(lambda: shop.levels["item-TEE"] == 6)
        await polled(
            lambda: any(r.message == "channel sync failed" for r in caplog.records),
            DEADLINE,
            "the failing channel's error logged",
        )
        failed = next(r for r in caplog.records if r.message == "channel sync failed")
        assert failed.channel == "slow"  # type: ignore[attr-defined]
        assert slow.levels["slow-item-TEE"] == 10


def _believed(sku: str, quantity: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        listing = await sync_models.ChannelListing.get(channel="shop", sku=sku)
        return listing.channel_quantity == quantity

    return check


class TestChangeWatcher:
    async def test_reports_each_changed_sku_once(self, shop: FakeConnector) -> None:
        watcher = ChangeWatcher()
        await watcher.start()
        assert await watcher.changed() == set()
        await post([damage("MUG", 1)])
        assert await watcher.changed() == {"MUG"}
        assert await watcher.changed() == set()

    async def test_an_event_committed_late_with_a_lower_id_is_still_seen(
        self, shop: FakeConnector
    ) -> None:
        """PostgreSQL commits ids out of order: a lower id can appear after a higher one.
        Ids missing below the newest read are watched for, each reported once."""
        watcher = ChangeWatcher()
        await watcher.start()
        await post([damage("MUG", 1)])
        await watcher.changed()
        newest = await models.OutboxEvent.all().order_by("-id").first()
        assert newest is not None
        # Ids newest+1 and newest+2 are taken by transactions still open; +3 commits first.
        await models.OutboxEvent.create(
            id=newest.id + 3, name="stock_changed", sku="CAP", payload={}
        )
        assert await watcher.changed() == {"CAP"}
        await models.OutboxEvent.create(
            id=newest.id + 1, name="stock_changed", sku="TEE", payload={}
        )
        assert await watcher.changed() == {"TEE"}
        assert await watcher.changed() == set()

    async def test_an_id_missing_longer_than_the_window_is_left_to_the_sweep(
        self, shop: FakeConnector
    ) -> None:
        moments = iter([T0, T0, T0 + LATE_COMMIT_WINDOW + timedelta(seconds=1)])
        watcher = ChangeWatcher(clock=lambda: next(moments))
        await watcher.start()
        newest = await outbox.newest_id()
        await models.OutboxEvent.create(id=newest + 9, name="stock_changed", sku="CAP", payload={})
        assert await watcher.changed() == {"CAP"}
        await models.OutboxEvent.create(id=newest + 4, name="stock_changed", sku="TEE", payload={})
        assert await watcher.changed() == set()
