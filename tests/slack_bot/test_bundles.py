"""`/stock BUNDLE` in Slack, through the running service: the bundle's availability per
location with the component that limits it, and a count on a bundle refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from syncbot import ledger
from syncbot.app import bundles
from syncbot.app.actor import Actor
from syncbot.ledger.bundles import Component
from syncbot.store import posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import declare_locations

from .conftest import READER, Seed, SlackService


async def _gift() -> None:
    """GIFT-1 = MUG-01:2 TEE-BLK-M:1, with 7 mugs and 10 tees at main."""
    await declare_locations(["main"])
    await add_sku("GIFT-1", name="Gift set")
    await posting.post([ledger.receive("MUG-01", 7), ledger.receive("TEE-BLK-M", 10)])
    parts = [Component("MUG-01", 2), Component("TEE-BLK-M", 1)]
    await bundles.set_recipe("GIFT-1", parts, Actor.cli("seed"))


@pytest.fixture
def slack_seed() -> Seed:
    return _gift


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def test_stock_of_a_bundle_names_the_limiting_component(slack_service: SlackService) -> None:
    answer = slack_service.command("/stock", "GIFT-1", user=READER)
    assert answer.status_code == 200, answer.text
    text = _text_of(answer.json())
    assert "Bundle of MUG-01:2 TEE-BLK-M:1 · *3* available" in text
    assert "*main*: 3, limited by MUG-01: 7 available / 2" in text


def test_a_count_on_a_bundle_is_refused_naming_its_components(
    slack_service: SlackService,
) -> None:
    slack_service.command("/count", "GIFT-1 4")
    text = _text_of(slack_service.wait_hook(1))
    assert "holds no stock of its own" in text
    assert "MUG-01, TEE-BLK-M" in text
