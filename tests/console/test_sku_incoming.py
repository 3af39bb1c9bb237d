"""The SKU card's Incoming section: each open purchase order line, linked to its order."""

from __future__ import annotations

import re

import httpx

from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.store.catalogue import add_sku

from .conftest import sign_in

BUYER = Actor.cli("buyer")


async def test_the_card_lists_incoming_by_order_with_links(console: httpx.AsyncClient) -> None:
    """Order (a link to its page), supplier, location, quantity still expected and date,
    soonest first; a draft order is not incoming."""
    await add_sku("MUG-1", name="Blue mug")
    await purchasing.add_supplier("Acme")
    for number, location, expected, quantity in (
        ("PO-7", "main", "2026-12-24", 10),
        ("PO-8", "east", "2026-12-20", 3),
        ("PO-9", "main", None, 4),
    ):
        await purchasing.create_order(
            "Acme", BUYER, number=number, location=location, expected_on=expected
        )
        await purchasing.add_line(number, "MUG-1", quantity, BUYER, unit_cost="4.00")
        if number != "PO-9":
            await purchasing.place_order(number, BUYER)
    await purchasing.receive_line("PO-7", "MUG-1", 4, BUYER)
    await sign_in(console, "vera", "viewer")

    page = await console.get("/skus/MUG-1")

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    rows = re.findall(r'<tr class="incoming">(.*?)</tr>', text)
    assert len(rows) == 2
    assert '<a href="/purchase-orders/PO-8">PO-8</a>' in rows[0]
    assert "<td>east</td>" in rows[0]
    assert ">2026-12-20</time>" in rows[0]
    assert '<a href="/purchase-orders/PO-7">PO-7</a>' in rows[1]
    assert '<span class="num">6<' in rows[1]
    assert "<td>Acme</td>" in rows[1]


async def test_a_card_with_nothing_on_order_says_so(console: httpx.AsyncClient) -> None:
    """No table, one muted line."""
    await add_sku("MUG-1")
    await sign_in(console, "vera", "viewer")
    text = (await console.get("/skus/MUG-1")).text
    assert '<h2 id="incoming">Incoming</h2>' in text
    assert "Nothing on order." in text
