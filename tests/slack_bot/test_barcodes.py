"""A scanned barcode in place of a SKU, in every Slack command that takes one, through the
running service: /stock, /receive, /damage, /count, the damage modal and /receive PO."""

from __future__ import annotations

import json
from typing import Any

import pytest

from syncbot.app import barcodes, purchasing
from syncbot.app.actor import Actor
from syncbot.store.database import declare_locations

from .conftest import READER, WRITER, Seed, SlackService
from .test_commands import _modal_submission

EAN = "4006381333931"
BUYER = Actor.cli("buyer")


async def _barcodes() -> None:
    """MUG-01 has the EAN-13 4006381333931 and the internal code MUG:BLUE (a colon, which
    no SKU code may hold); PO-12 expects 10 MUG-01."""
    await declare_locations(["main", "east"])  # as the service does when it starts
    await barcodes.add("MUG-01", EAN)
    await barcodes.add("MUG-01", "MUG:BLUE")
    await purchasing.add_supplier("Acme")
    await purchasing.create_order("Acme", BUYER, number="PO-12")
    await purchasing.add_line("PO-12", "MUG-01", 10, BUYER, unit_cost="4.00")
    await purchasing.place_order("PO-12", BUYER)


@pytest.fixture
def slack_seed() -> Seed:
    return _barcodes


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def test_writes_by_barcode_post_to_its_sku_and_say_so(slack_service: SlackService) -> None:
    """/receive, /damage and /count take a barcode; the answer names SKU and barcode."""
    slack_service.command("/receive", f"{EAN} 8")
    assert f"received 8 × MUG-01 (barcode {EAN})" in _text_of(slack_service.wait_hook(1))
    slack_service.command("/damage", "MUG:BLUE 1 main dropped")
    assert "recorded damage of 1 × MUG-01 (barcode MUG:BLUE)" in _text_of(
        slack_service.wait_hook(2)
    )
    slack_service.command("/count", f"{EAN} 6")
    counted = _text_of(slack_service.wait_hook(3))
    assert f"counted 6 × MUG-01 (barcode {EAN}): posted a difference of -2" in counted

    kinds = [row["kind"] for row in slack_service.movements("MUG-01")]
    assert kinds == ["count", "damage", "receive", "purchase"]  # the last: PO-12 placed
    assert slack_service.stock("MUG-01")["total"]["available"] == 5


def test_stock_by_barcode_shows_the_skus_card(slack_service: SlackService) -> None:
    message = slack_service.command("/stock", EAN, user=READER).json()
    text = _text_of(message)
    assert "MUG-01" in text
    assert "Blue mug" in text
    assert "10 on *PO-12* from Acme" in text  # the SKU's open lines, found by its code


def test_the_damage_modal_takes_a_barcode(slack_service: SlackService) -> None:
    slack_service.command("/receive", "MUG-01 5")
    slack_service.wait_hook(1)
    accepted = slack_service.interact(_modal_submission(EAN, "2", "broken"))
    assert accepted.status_code == 200
    (posted,) = slack_service.slack.wait_for("chat.postMessage")
    assert "recorded damage of 2 × MUG-01" in _text_of(posted)
    assert slack_service.movements("MUG-01")[0]["kind"] == "damage"  # newest first


def test_receive_on_an_order_names_the_line_by_barcode(slack_service: SlackService) -> None:
    slack_service.command("/receive", f"PO-12 {EAN} 4")
    text = _text_of(slack_service.wait_hook())
    assert f"<@{WRITER}> received on PO-12: 4 × MUG-01 at 4.00, 6 still expected" in text
    assert slack_service.stock("MUG-01")["total"]["available"] == 4


def test_an_unknown_barcode_is_refused_and_nothing_is_written(
    slack_service: SlackService,
) -> None:
    slack_service.command("/receive", "5012345678900 3")
    assert "There is no SKU `5012345678900`" in _text_of(slack_service.wait_hook())
    assert [row["kind"] for row in slack_service.movements("MUG-01")] == ["purchase"]
