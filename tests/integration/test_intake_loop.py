"""The intake loop's timing: a polling loop (a worker's) finds deliveries nothing woke it for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from connectors.base import Connector, Delivery
from connectors.fake import FakeConnector
from syncbot.intake.processor import IntakeProcessor
from syncbot.runtime import intake
from syncbot.runtime.intake import IDLE_SECONDS, IntakeLoop
from syncbot.store import inbox, inbox_writer, models
from syncbot.store.catalogue import add_sku
from syncbot.testing import eventually

POLL_SECONDS = 0.05
# Far below the unpolled loop's IDLE_SECONDS: a delivery found within it was found by polling.
FOUND_WITHIN_SECONDS = 5.0
assert FOUND_WITHIN_SECONDS < IDLE_SECONDS


def order(order_id: str) -> bytes:
    return json.dumps(
        {
            "order_id": order_id,
            "updated_at": "2026-11-01T12:00:00+00:00",
            "lines": [{"line_id": "L1", "sku": "MUG", "quantity": 1}],
        }
    ).encode()


class CountedSweeps(IntakeProcessor):
    """The processor, counting the loop's sweeps; `failures` first sweeps raise."""

    def __init__(self, connectors: dict[str, Connector], failures: int = 0) -> None:
        super().__init__(connectors)
        self.sweeps = 0
        self.failures = failures

    async def process_pending(self, limit: int | None = None) -> int:
        self.sweeps += 1
        if self.sweeps <= self.failures:
            raise OSError("the database went away")
        return await super().process_pending(limit)


@pytest.fixture
async def shop(database: str) -> dict[str, Connector]:
    await add_sku("MUG")
    return {"shop": FakeConnector("shop", secret="dummy")}


@asynccontextmanager
async def running(loop: IntakeLoop) -> AsyncIterator[None]:
    task = asyncio.create_task(loop.run())
    try:
        yield
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def status_of(event_id: str) -> Callable[[], Awaitable[bool]]:
    async def applied() -> bool:
        row = await models.InboxDelivery.get(event_id=event_id)
        return row.status == inbox.APPLIED

    return applied


async def test_a_polling_loop_applies_a_delivery_stored_while_it_idles(
    shop: dict[str, Connector],
) -> None:
    """No wake(): the worker's loop finds what another process stored by polling."""
    processor = CountedSweeps(shop)
    loop = IntakeLoop(processor, poll_seconds=POLL_SECONDS)
    async with running(loop):
        await eventually(lambda: processor.sweeps >= 1, what="the start-up sweep")
        assert await inbox_writer.store("shop", Delivery("e1", "order"), order("1001"))
        await eventually(status_of("e1"), FOUND_WITHIN_SECONDS, "e1 applied")
        assert processor.sweeps >= 2


async def test_a_polling_loop_keeps_polling_after_a_failed_sweep(
    shop: dict[str, Connector], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep that fails (the database went away) is retried after RETRY_POLL_SECONDS,
    not IDLE_SECONDS, and the loop polls on."""
    monkeypatch.setattr(intake, "RETRY_POLL_SECONDS", POLL_SECONDS)
    processor = CountedSweeps(shop, failures=2)
    loop = IntakeLoop(processor, poll_seconds=POLL_SECONDS)
    async with running(loop):
        await eventually(lambda: processor.sweeps > 2, FOUND_WITHIN_SECONDS, "a good sweep")
        assert await inbox_writer.store("shop", Delivery("e1", "order"), order("1001"))
        await eventually(status_of("e1"), FOUND_WITHIN_SECONDS, "e1 applied")


async def test_a_woken_loop_applies_a_delivery_at_once(shop: dict[str, Connector]) -> None:
    """`serve`'s loop, unpolled, is woken by the webhook route after each stored delivery."""
    processor = CountedSweeps(shop)
    loop = IntakeLoop(processor)
    async with running(loop):
        await eventually(lambda: processor.sweeps >= 1, what="the start-up sweep")
        assert await inbox_writer.store("shop", Delivery("e1", "order"), order("1001"))
        loop.wake()
        await eventually(status_of("e1"), FOUND_WITHIN_SECONDS, "e1 applied")


class CountedLanes(IntakeProcessor):
    """The processor, counting how many of its sweeps run at the same time."""

    def __init__(self, connectors: dict[str, Connector], batch: int) -> None:
        super().__init__(connectors, batch=batch)
        self.running = 0
        self.most_at_once = 0

    async def process_pending(self, limit: int | None = None) -> int:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            return await super().process_pending(limit)
        finally:
            self.running -= 1


async def test_a_backlog_is_worked_in_lanes_each_delivery_once(
    shop: dict[str, Connector],
) -> None:
    """Once a sweep comes back full the lanes work the rest at once, each claiming its own
    batches: every delivery is applied once, every order posted once."""
    backlog = 160  # a full sweep (100) and more
    for n in range(backlog):
        assert await inbox_writer.store("shop", Delivery(f"e{n}", "order"), order(str(n)))
    processor = CountedLanes(shop, batch=10)
    loop = IntakeLoop(processor, lanes=3)
    async with running(loop):
        await eventually(
            lambda: _all_applied(backlog), FOUND_WITHIN_SECONDS * 4, "the backlog applied"
        )
    assert processor.most_at_once == 3
    assert await models.Movement.filter(sku_id="MUG").count() == backlog


async def _all_applied(count: int) -> bool:
    return await models.InboxDelivery.filter(status=inbox.APPLIED).count() == count


async def test_a_trickle_is_worked_by_one_lane(shop: dict[str, Connector]) -> None:
    processor = CountedLanes(shop, batch=10)
    loop = IntakeLoop(processor, lanes=3)
    async with running(loop):
        for n in range(3):
            assert await inbox_writer.store("shop", Delivery(f"e{n}", "order"), order(str(n)))
            loop.wake()
            await eventually(status_of(f"e{n}"), FOUND_WITHIN_SECONDS, f"e{n} applied")
    assert processor.most_at_once == 1
