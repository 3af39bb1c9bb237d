"""The intake processor: stored deliveries become postings once; failures are kept visible."""

from __future__ import annotations

import json

import pytest

from connectors.base import Connector, ConnectorError, Delivery
from connectors.fake import FakeConnector
from syncbot.intake import inbox
from syncbot.intake.processor import IntakeProcessor
from syncbot.ledger.orders import OrderEvent
from syncbot.store import models
from syncbot.store.catalogue import add_sku
from syncbot.store.stock import stock

ORDER = {
    "order_id": "1001",
    "updated_at": "2026-11-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": "MUG", "quantity": 2}],
}


@pytest.fixture
async def processor(database: str) -> IntakeProcessor:
    await add_sku("MUG")
    connector: Connector = FakeConnector("shop", secret="dummy")
    return IntakeProcessor({"shop": connector})


async def keep(event_id: str, body: bytes, topic: str = "order", channel: str = "shop") -> None:
    assert await inbox.store(channel, Delivery(event_id, topic), body)


async def test_a_stored_delivery_is_applied_and_marked(processor: IntakeProcessor) -> None:
    await keep("e1", json.dumps(ORDER).encode())
    assert await processor.process_pending() == 1
    assert (await stock("MUG")).total.committed == 2
    assert await inbox.pending() == []


async def test_processing_twice_posts_once(processor: IntakeProcessor) -> None:
    """A row processed again (a crash before it was marked) reconciles to no change."""
    await keep("e1", json.dumps(ORDER).encode())
    await keep("e2", json.dumps(ORDER).encode())  # the same snapshot, another event id
    await processor.process_pending()
    assert (await stock("MUG")).total.committed == 2
    assert await models.Movement.all().count() == 1


async def test_an_unreadable_delivery_is_not_retried(processor: IntakeProcessor) -> None:
    await keep("e1", b'{"order_id": 1}')
    await processor.process_pending()
    row = await models.InboxDelivery.get(event_id="e1")
    assert row.processed_at is None
    assert row.attempts == inbox.MAX_ATTEMPTS
    assert "not a fake order" in (row.last_error or "")
    assert await inbox.pending() == []


async def test_a_delivery_for_a_removed_channel_keeps_its_error(
    processor: IntakeProcessor,
) -> None:
    await keep("e1", json.dumps(ORDER).encode(), channel="gone")
    await processor.process_pending()
    row = await models.InboxDelivery.get(event_id="e1")
    assert row.last_error == "channel 'gone' is no longer configured"
    assert row.attempts == 1


async def test_a_duplicate_event_id_is_not_stored_twice(processor: IntakeProcessor) -> None:
    await keep("e1", b"{}")
    assert not await inbox.store("shop", Delivery("e1", "order"), b"{}")


class _Unreachable(FakeConnector):
    async def parse(self, delivery: Delivery, body: bytes) -> list[OrderEvent]:
        raise ConnectorError("the storefront's API did not answer")


async def test_an_api_failure_while_reading_is_retried_later(database: str) -> None:
    """A storefront that cannot be reached costs one try, and the sweep goes on."""
    processor = IntakeProcessor({"shop": _Unreachable("shop", secret="dummy")})
    await keep("e1", json.dumps(ORDER).encode())
    assert await processor.process_pending() == 1
    row = await models.InboxDelivery.get(event_id="e1")
    assert (row.attempts, row.processed_at) == (1, None)
    assert row.last_error == "the storefront's API did not answer"
    assert [r.id for r in await inbox.pending()] == [row.id]
