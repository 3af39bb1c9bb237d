"""The /receive form of a purchase order and the messages of its receipts. Pure: an order
in, Block Kit out; a submitted form in, the lines to receive (or what is wrong) out.

Each open line has three optional fields, named by block id: `qty:<SKU>` (units that
arrived), `damaged:<SKU>` (of those, how many arrived damaged) and `cost:<SKU>` (a unit
cost, blank for the line's own). A line left blank is not received this time.
`private_metadata` carries the order's number and the channel to confirm in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syncbot.app.purchasing import LineReceipt, LineView, OrderView
from syncbot.ledger.costing import CostError, format_cost, parse_cost
from syncbot.slackbot.blocks import Block, Message
from syncbot.slackbot.text import MAX_UNITS, UsageError, read_quantity

RECEIVE_MODAL = "receive_modal"
MAX_FORM_LINES = 30
"""Three inputs a line, and Slack shows at most 100 blocks in a modal."""
_TITLE = 24  # Slack's limit on a modal's title


@dataclass(frozen=True)
class FormReceipt:
    """What a submitted form asks to receive."""

    number: str
    channel: str
    lines: tuple[LineReceipt, ...]


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def _text(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _number_field(block_id: str, label: str) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _plain(label),
        "element": {
            "type": "number_input",
            "action_id": "value",
            "is_decimal_allowed": False,
            "min_value": "0",
            "max_value": str(MAX_UNITS),
        },
    }


def _line_fields(line: LineView) -> list[Block]:
    cost = format_cost(line.unit_cost)
    return [
        _number_field(f"qty:{line.sku}", f"{line.sku}: received ({line.open} expected)"),
        _number_field(f"damaged:{line.sku}", f"{line.sku}: of those, damaged"),
        {
            "type": "input",
            "block_id": f"cost:{line.sku}",
            "optional": True,
            "label": _plain(f"{line.sku}: unit cost"),
            "hint": _plain(f"Blank: the order's {cost}"),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "max_length": 32,
                "placeholder": _plain(cost),
            },
        },
    ]


def receive_modal(order: OrderView, channel_id: str) -> dict[str, Any]:
    """The form of an order's open lines, at most MAX_FORM_LINES of them."""
    open_lines = [line for line in order.lines if line.open > 0]
    expected = f", expected {order.expected_on.isoformat()}" if order.expected_on else ""
    blocks: list[Block] = [
        _text(f"*{order.number}* from {order.supplier} to *{order.location}*{expected}")
    ]
    for line in open_lines[:MAX_FORM_LINES]:
        blocks += _line_fields(line)
    if len(open_lines) > MAX_FORM_LINES:
        more = len(open_lines) - MAX_FORM_LINES
        blocks.append(
            _text(f"_{more} more lines: receive them with `/receive {order.number} SKU QTY`._")
        )
    title = f"Receive {order.number}"
    return {
        "type": "modal",
        "callback_id": RECEIVE_MODAL,
        "private_metadata": json.dumps({"order": order.number, "channel": channel_id}),
        "title": _plain(title if len(title) <= _TITLE else "Receive an order"),
        "submit": _plain("Receive"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def _value(values: dict[str, Any], block_id: str) -> str:
    return str(((values.get(block_id) or {}).get("value") or {}).get("value") or "").strip()


def first_field(view: dict[str, Any]) -> str:
    """The block id errors about the whole form are shown beside: the first quantity."""
    values = view.get("state", {}).get("values", {})
    return next((block for block in values if block.startswith("qty:")), "qty:")


def _units(text: str, block_id: str, problems: dict[str, str]) -> int | None:
    try:
        return read_quantity("/receive", text, allow_zero=True) if text else 0
    except UsageError as error:
        problems[block_id] = error.problem
        return None


def _line(values: dict[str, Any], sku: str, problems: dict[str, str]) -> LineReceipt | None:
    units, damaged_units, cost_text = (
        _value(values, f"{kind}:{sku}") for kind in ("qty", "damaged", "cost")
    )
    quantity = _units(units, f"qty:{sku}", problems)
    damaged = _units(damaged_units, f"damaged:{sku}", problems)
    if quantity is None or damaged is None:
        return None
    if damaged > quantity:
        problems[f"damaged:{sku}"] = f"At most the {quantity} received."
        return None
    try:
        cost = parse_cost(cost_text) if cost_text else None
    except CostError as error:
        problems[f"cost:{sku}"] = f"{str(error).capitalize()}."
        return None
    return LineReceipt(sku, quantity, damaged, cost) if quantity else None


def read_form(view: dict[str, Any]) -> tuple[dict[str, str], FormReceipt | None]:
    """The lines filled in, or the problems to show beside their fields (the form stays
    open). At least one line must be."""
    values = view.get("state", {}).get("values", {})
    metadata = json.loads(view.get("private_metadata") or "{}")
    problems: dict[str, str] = {}
    skus = [block.removeprefix("qty:") for block in values if block.startswith("qty:")]
    lines = [line for sku in skus if (line := _line(values, sku, problems)) is not None]
    if not problems and not lines:
        problems[first_field(view)] = "Enter the units received on at least one line."
    if problems:
        return problems, None
    return {}, FormReceipt(
        str(metadata.get("order", "")), str(metadata.get("channel", "")), tuple(lines)
    )


def received_text(number: str, lines: Sequence[LineReceipt], order: OrderView) -> str:
    """`5 × MUG-01 (1 damaged) at 4.50, 2 still expected` per line received."""
    by_sku = {line.sku: line for line in order.lines}
    parts = []
    for receipt in lines:
        line = by_sku.get(receipt.sku)
        cost = line.unit_cost if line is not None else None
        if receipt.unit_cost is not None:
            cost = parse_cost(receipt.unit_cost)
        part = f"{receipt.quantity} × {receipt.sku}"
        part += f" ({receipt.damaged} damaged)" if receipt.damaged else ""
        part += f" at {format_cost(cost)}" if cost is not None else ""
        part += f", {line.open} still expected" if line is not None else ""
        parts.append(part)
    return f"received on {number}: " + "; ".join(parts)


def received_message(user: str, what: str, order: OrderView) -> Message:
    """The confirmation of a receipt on an order, and the order's state after it."""
    line = f"<@{user}> {what}.\n*{order.number}* is now {order.status}."
    return {"response_type": "in_channel", "text": what, "blocks": [_text(line)]}
