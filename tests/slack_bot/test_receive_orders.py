"""/receive against a purchase order: the form, one line typed out, refusals, and the
plain receipt beside them, through the running service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.slackbot.testing import TEAM
from syncbot.store.database import declare_locations

from .conftest import FLOOR, READER, WRITER, Seed, SlackService

BUYER = Actor.cli("buyer")


async def _orders() -> None:
    """PO-12 from Acme, ordered, due 24 Dec: 10 MUG-01 at 4.00 and 5 MUG-02 at 2.50.
    PO-13 is a draft."""
    await declare_locations(["main", "east"])  # as the service does when it starts
    await purchasing.add_supplier("Acme", lead_time_days=7)
    await purchasing.create_order("Acme", BUYER, number="PO-12", expected_on="2026-12-24")
    await purchasing.add_line("PO-12", "MUG-01", 10, BUYER, unit_cost="4.00")
    await purchasing.add_line("PO-12", "MUG-02", 5, BUYER, unit_cost="2.50")
    await purchasing.place_order("PO-12", BUYER)
    await purchasing.create_order("Acme", BUYER, number="PO-13")
    await purchasing.add_line("PO-13", "MUG-01", 3, BUYER, unit_cost="4.00")


@pytest.fixture
def slack_seed() -> Seed:
    return _orders


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _field(kind: str, value: str | None) -> dict[str, Any]:
    return {"value": {"type": kind, "value": value}}


def _submission(
    lines: dict[str, tuple[str, str, str]], user: str = WRITER, view_id: str = "V0RECEIVE"
) -> dict[str, Any]:
    """A submitted form: per SKU (received, damaged, cost), blank strings left empty."""
    values: dict[str, Any] = {}
    for sku, (units, damaged, cost) in lines.items():
        values[f"qty:{sku}"] = _field("number_input", units or None)
        values[f"damaged:{sku}"] = _field("number_input", damaged or None)
        values[f"cost:{sku}"] = _field("plain_text_input", cost or None)
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user},
        "trigger_id": "t.9",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": "receive_modal",
            "private_metadata": json.dumps({"order": "PO-12", "channel": FLOOR}),
            "state": {"values": values},
        },
    }


def test_the_form_opens_with_the_orders_open_lines(slack_service: SlackService) -> None:
    """`/receive PO-12` opens a form with a received, damaged and cost field per open line."""
    answer = slack_service.command("/receive", "PO-12")
    assert answer.status_code == 200
    (opened,) = slack_service.slack.wait_for("views.open")
    assert opened["trigger_id"].startswith("trigger.")
    view = opened["view"]
    assert view["callback_id"] == "receive_modal"
    assert json.loads(view["private_metadata"]) == {"order": "PO-12", "channel": FLOOR}
    fields = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert fields == [
        "qty:MUG-01",
        "damaged:MUG-01",
        "cost:MUG-01",
        "qty:MUG-02",
        "damaged:MUG-02",
        "cost:MUG-02",
    ]
    text = _text_of(view)
    assert "MUG-01: received (10 expected)" in text
    assert "*PO-12* from Acme to *main*, expected 2026-12-24" in text
    assert "Blank: the order's 2.50" in text


def test_the_form_receives_every_line_filled_in_once(slack_service: SlackService) -> None:
    """Quantities, damaged units and a unit cost are recorded in one posting; the same
    view submitted again records nothing."""
    filled = {"MUG-01": ("6", "1", "4.50"), "MUG-02": ("", "", "")}
    accepted = slack_service.interact(_submission(filled))
    assert accepted.status_code == 200
    assert "errors" not in accepted.text
    (posted,) = slack_service.slack.wait_for("chat.postMessage")
    assert posted["channel"] == FLOOR
    assert "received on PO-12: 6 × MUG-01 (1 damaged) at 4.50, 4 still expected" in (
        _text_of(posted)
    )
    assert "is now partially_received" in _text_of(posted)
    stock = slack_service.stock("MUG-01")
    assert stock["total"]["available"] == 5
    assert stock["total"]["damaged"] == 1
    assert stock["total"]["incoming"] == 4
    assert stock["average_cost"] == "4.50"
    assert slack_service.stock("MUG-02")["total"]["incoming"] == 5
    movements = slack_service.movements("MUG-01")

    slack_service.interact(_submission(filled))

    replay = slack_service.slack.wait_for("chat.postMessage", 2)[1]
    assert replay["channel"] == WRITER
    assert "This receipt on PO-12 was already recorded" in _text_of(replay)
    assert slack_service.movements("MUG-01") == movements
    assert slack_service.stock("MUG-01")["total"]["available"] == 5


def test_a_form_with_mistakes_stays_open_and_writes_nothing(slack_service: SlackService) -> None:
    """Each mistake is shown beside its field: damaged beyond received, a bad cost, more
    than is expected; an empty form asks for one line."""
    before = slack_service.movements("MUG-01")
    wrong = {"MUG-01": ("2", "3", ""), "MUG-02": ("1", "", "-1")}
    errors = slack_service.interact(_submission(wrong)).json()["errors"]
    assert errors["damaged:MUG-01"] == "At most the 2 received."
    assert "cannot be negative" in errors["cost:MUG-02"]
    over = slack_service.interact(_submission({"MUG-01": ("11", "", "")})).json()["errors"]
    assert "more than the 10 still expected on PO-12" in over["qty:MUG-01"]
    empty = slack_service.interact(_submission({"MUG-01": ("", "", "")})).json()["errors"]
    assert empty == {"qty:MUG-01": "Enter the units received on at least one line."}
    viewer = slack_service.interact(_submission({"MUG-01": ("1", "", "")}, user=READER))
    assert "Recording a receipt needs the clerk role" in viewer.json()["errors"]["qty:MUG-01"]
    assert slack_service.movements("MUG-01") == before


def test_one_line_typed_out_says_what_is_still_expected(slack_service: SlackService) -> None:
    """`/receive PO-12 SKU QTY @COST` receives that line at that cost."""
    slack_service.command("/receive", "PO-12 MUG-02 2 @2.40")
    text = _text_of(slack_service.wait_hook())
    assert f"<@{WRITER}> received on PO-12: 2 × MUG-02 at 2.40, 3 still expected" in text
    stock = slack_service.stock("MUG-02")
    assert stock["total"]["available"] == 2
    assert stock["total"]["incoming"] == 3
    assert stock["average_cost"] == "2.40"
    receipt = slack_service.movements("MUG-02")[0]
    assert receipt["document"] == "purchase-orders/PO-12"
    assert receipt["actor"] == f"slack:{TEAM}:{WRITER}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("PO-99", "There is no purchase order PO-99"),
        ("PO-99 MUG-01 3", "There is no purchase order PO-99"),
        ("PO-13", "purchase order PO-13 is draft: receiving needs it to be"),
        ("PO-12 TEE-BLK-M 1", "purchase order PO-12 has no line for 'TEE-BLK-M'"),
        ("PO-12 MUG-01 11", "more than the 10 still expected on PO-12"),
        ("PO-12 MUG-01", "After the order number give a SKU and a quantity"),
        ("PO-12 MUG-01 2 @four", "A cost is a decimal number like 4.50"),
    ],
)
def test_a_receipt_the_order_refuses_is_answered_and_nothing_written(
    slack_service: SlackService, text: str, problem: str
) -> None:
    """Unknown order, wrong state, a line not on the order, an over-receipt, bad words."""
    before = slack_service.movements("MUG-01")
    answer = slack_service.command("/receive", text).json()
    assert answer["response_type"] == "ephemeral"
    assert problem in answer["text"]
    assert slack_service.movements("MUG-01") == before


def test_a_viewer_may_not_receive_on_an_order(slack_service: SlackService) -> None:
    """Neither the form nor a line: the refusal names the role, and nothing opens."""
    for text in ("PO-12", "PO-12 MUG-01 3"):
        answer = slack_service.command("/receive", text, user=READER).json()
        assert "Recording a receipt needs the clerk role" in answer["text"]
    assert slack_service.slack.calls_to("views.open") == []
    assert slack_service.stock("MUG-01")["total"]["available"] == 0


def test_a_plain_receipt_stays_a_receipt_without_an_order(slack_service: SlackService) -> None:
    """`/receive SKU QTY [location] [reason] @COST`: no order involved, at that cost."""
    slack_service.command("/receive", "MUG-01 4 east @3.25 pallet")
    text = _text_of(slack_service.wait_hook())
    assert "received 4 × MUG-01 at 3.25 (pallet)" in text
    stock = slack_service.stock("MUG-01")
    assert stock["locations"]["east"]["available"] == 4
    assert stock["average_cost"] == "3.25"
    assert stock["total"]["incoming"] == 10  # PO-12 is untouched
    assert slack_service.movements("MUG-01")[0]["document"] == "slack:receive"


def test_stock_shows_incoming_with_its_order_and_date(slack_service: SlackService) -> None:
    """`/stock` lists what is on open orders, with the supplier and expected date."""
    text = _text_of(slack_service.command("/stock", "MUG-01", user=READER).json())
    assert "*Incoming*" in text
    assert "10 on *PO-12* from Acme to main, expected 2026-12-24" in text
    assert "*Incoming*" not in _text_of(slack_service.command("/stock", "TEE-BLK-M").json())
