"""The SKU card of a bundle: its recipe, and its availability per location with the
component limiting it, shown beside the number."""

from __future__ import annotations

import re

import httpx

from syncbot import ledger
from syncbot.app import bundles
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.ledger.bundles import Component
from syncbot.store.catalogue import add_sku

from .conftest import sign_in

CLERK = Actor.cli("clerk")


async def test_a_bundles_card_shows_what_limits_it(console: httpx.AsyncClient) -> None:
    for code in ("MUG-1", "TEE-1", "GIFT-1"):
        await add_sku(code)
    await use_stock.record(ledger.receive("MUG-1", 7), CLERK)
    await use_stock.record(ledger.receive("TEE-1", 10), CLERK)
    await bundles.set_recipe("GIFT-1", [Component("MUG-1", 2), Component("TEE-1", 1)], CLERK)
    await sign_in(console, "vera", "viewer")

    text = re.sub(r"\s+", " ", (await console.get("/skus/GIFT-1")).text)

    assert '<h2 id="bundle">Bundle</h2>' in text
    assert '<a href="/skus/MUG-1"><code>MUG-1</code></a> × 2' in text
    [main] = re.findall(r'<tr class="bundle-location">(.*?)</tr>', text)
    assert "<td>3, limited by MUG-1: 7 available / 2</td>" in main


async def test_a_plain_skus_card_has_no_bundle_section(console: httpx.AsyncClient) -> None:
    await add_sku("MUG-1")
    await sign_in(console, "vera", "viewer")
    assert 'id="bundle"' not in (await console.get("/skus/MUG-1")).text
