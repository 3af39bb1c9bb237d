"""The inbox writer keeps concurrent deliveries together, each answered after its commit,
and a group the database refuses is written one delivery at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from connectors.base import Delivery
from syncbot.store import inbox_writer, models
from syncbot.store.inbox_writer import Arrival, InboxWriter


def arrival(event_id: str, channel: str = "shop") -> tuple[str, Delivery, bytes]:
    headers = {"X-Shopify-Topic": "orders/create"}
    return channel, Delivery(event_id, "orders/create", headers), b'{"id": 1}'


async def test_concurrent_deliveries_share_statements_and_each_is_kept(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[int] = []
    real = inbox_writer.store_all

    async def counted(arrivals: Sequence[Arrival]) -> list[bool]:
        groups.append(len(arrivals))
        return await real(arrivals)

    monkeypatch.setattr(inbox_writer, "store_all", counted)
    writer = InboxWriter()
    answers = await asyncio.gather(*(writer.store(*arrival(f"e{n}")) for n in range(60)))
    assert answers == [True] * 60
    assert sum(groups) == 60
    assert len(groups) <= 2
    rows = await models.InboxDelivery.all().order_by("id")
    assert [row.event_id for row in rows] == [f"e{n}" for n in range(60)]
    assert {(row.status, row.attempts, row.topic) for row in rows} == {
        ("pending", 0, "orders/create")
    }
    assert rows[0].headers == {"X-Shopify-Topic": "orders/create"}
    assert rows[0].body == b'{"id": 1}'


async def test_a_retry_in_the_same_group_or_later_is_a_duplicate(database: str) -> None:
    writer = InboxWriter()
    first = await asyncio.gather(
        writer.store(*arrival("e1")),
        writer.store(*arrival("e1")),  # Shopify's retry, arriving with the original
        writer.store(*arrival("e1", channel="other")),  # the same id on another channel
    )
    assert first == [True, False, True]
    assert await writer.store(*arrival("e1")) is False
    assert await models.InboxDelivery.all().count() == 2


async def test_a_group_the_database_refuses_is_kept_one_by_one(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(arrivals: Sequence[Arrival]) -> list[bool]:
        raise ValueError("a value the database cannot hold")

    monkeypatch.setattr(inbox_writer, "store_all", refused)
    writer = InboxWriter()
    answers = await asyncio.gather(*(writer.store(*arrival(f"e{n}")) for n in range(5)))
    assert answers == [True] * 5
    assert await models.InboxDelivery.all().count() == 5


@pytest.mark.postgres
async def test_one_delivery_postgresql_refuses_fails_alone(database: str) -> None:
    if not database.startswith("postgres"):
        pytest.skip("SQLite holds a NUL in text; PostgreSQL refuses it")
    writer = InboxWriter()
    answers = await asyncio.gather(
        writer.store(*arrival("good-1")),
        writer.store(*arrival("bad\x00id")),
        writer.store(*arrival("good-2")),
        return_exceptions=True,
    )
    assert answers[0] is True
    assert answers[2] is True
    assert isinstance(answers[1], Exception)
    kept = await models.InboxDelivery.all().values_list("event_id", flat=True)
    assert sorted(kept) == ["good-1", "good-2"]
