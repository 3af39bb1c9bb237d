"""The overview over HTTP, on a real database: each section shows what needs attention
(low stock, oversold, listings held back, sync health, failed deliveries, parked lines, the
latest movements), each section's fragment answers alone, and who may read it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from syncbot import ledger
from syncbot.app import stock
from syncbot.app.actor import Actor
from syncbot.store import models, sync_models
from syncbot.store.catalogue import add_sku

from .conftest import sign_in

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


async def _seed() -> None:
    """One of everything the overview watches; the latest movement is OVER-1's damage."""
    await add_sku("MUG/1", "Mug", reorder_point=5)  # a code with a slash
    await add_sku("PLENTY-1", "Plenty", reorder_point=2)
    await add_sku("OVER-1", "Oversold")
    await stock.record(ledger.receive("MUG/1", 3), Actor.cli("setup"))
    await stock.record(ledger.receive("PLENTY-1", 50), Actor.cli("setup"))
    await stock.record(ledger.receive("OVER-1", 1, "east"), Actor.cli("setup"))
    await stock.record(
        ledger.damage("OVER-1", 4, "east", "dropped", forced=True), Actor.cli("setup")
    )
    await sync_models.ChannelListing.create(
        channel="shop",
        sku="MUG/1",
        listing_id="L1",
        inventory_id="I1",
        quarantined_at=T0,
        quarantined_error="the channel refused the item",
    )
    await sync_models.ChannelListing.create(
        channel="shop", sku="PLENTY-1", listing_id="L2", inventory_id="I2", drift=-3
    )
    await models.InboxDelivery.create(
        channel="shop",
        event_id="e1",
        topic="orders/create",
        headers={},
        body=b"{}",
        status="failed",
        attempts=5,
        last_error="boom in the payload",
    )
    await models.ParkedLine.create(
        channel="shop", order_id="O-77", line_id="1", sku="GHOST-9", quantity=2, reason="why"
    )


class TestTheOverview:
    async def test_each_section_shows_what_was_seeded(self, console: httpx.AsyncClient) -> None:
        await _seed()
        await sign_in(console, "vera", "viewer")

        page = await console.get("/")

        assert page.status_code == 200
        text = page.text
        assert 'href="/skus/MUG%2F1"' in text  # low: 3 available, reorder point 5
        assert "PLENTY-1</a></td>\n    <td>Plenty" not in text
        assert 'href="/skus?low=1"' in text
        assert "east" in text
        assert ">-3<" in text
        assert "the channel refused the item" in text  # quarantined
        assert "drifting" in text
        assert "boom in the payload" in text
        assert "/inbox?state=failed" in text
        assert "O-77" in text
        assert 'href="/parked"' in text
        assert "damage" in text
        assert "cli:setup" in text
        for section in ("low-stock", "oversold", "listings", "sync", "inbox", "parked"):
            assert f'data-live="/overview/{section}"' in text

    async def test_empty_sections_say_so(self, console: httpx.AsyncClient) -> None:
        await sign_in(console, "vera", "viewer")

        text = (await console.get("/")).text

        assert "Nothing is below its reorder point" in text
        assert "Nothing is oversold" in text
        assert "No inbox delivery has failed" in text
        assert "No order line is parked" in text
        assert "No movement is recorded yet" in text


@pytest.mark.parametrize(
    ("section", "shows"),
    [
        ("low-stock", "MUG/1"),
        ("oversold", "OVER-1"),
        ("listings", "quarantined"),
        ("sync", "<h2>Sync health</h2>"),
        ("inbox", "boom in the payload"),
        ("parked", "GHOST-9"),
        ("movements", "damage"),
    ],
)
async def test_each_fragment_answers_alone(
    console: httpx.AsyncClient, section: str, shows: str
) -> None:
    await _seed()
    await sign_in(console, "vera", "viewer")

    fragment = await console.get(f"/overview/{section}")

    assert fragment.status_code == 200
    assert shows in fragment.text
    assert "<html" not in fragment.text


async def test_an_unknown_section_is_a_404_page(console: httpx.AsyncClient) -> None:
    await sign_in(console, "vera", "viewer")

    answer = await console.get("/overview/nope")

    assert answer.status_code == 404
    assert "no such section" in answer.text


async def test_not_signed_in_is_sent_to_sign_in(console: httpx.AsyncClient) -> None:
    for path in ("/", "/overview/low-stock"):
        answer = await console.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in?next=")
