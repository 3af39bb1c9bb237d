"""/receive against a purchase order: its form, one line typed out, and the form's submission.

    /receive PO-12                   opens a form with the order's open lines
    /receive PO-12 SKU QTY [@COST]   receives one line and says what is still expected

The first word names an order when an order has that number: an order wins over a SKU of
the same code. Words that name no order but are shaped like it (`text.looks_like_order`)
are answered "no such order"; everything else is a plain receipt (commands.py). What can
be refused is refused in the acknowledgement, ephemerally, before anything is written;
the store checks it all again under the order's lock. A form's submission is recorded
with the key `modal:<view id>`, so a double submit records once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from syncbot import metrics
from syncbot.app import barcodes, purchasing
from syncbot.app.actor import Actor
from syncbot.ledger import LedgerError
from syncbot.ledger.purchasing import (
    RECEIVABLE,
    LineNotOnOrder,
    LineState,
    OverReceipt,
    PurchasingError,
    PurchasingInputError,
    Receipt,
    UnknownPurchaseOrder,
    WrongState,
    check_number,
)
from syncbot.slackbot import adjustments, blocks, receipt_form
from syncbot.slackbot.floor import Floor, post_to
from syncbot.slackbot.text import (
    OrderReceipt,
    UsageError,
    looks_like_order,
    read_order_receipt,
)

Body = dict[str, Any]
COMMAND = "/receive"


async def _order(number: str) -> purchasing.OrderView | None:
    try:
        return await purchasing.purchase_order(check_number(number))
    except PurchasingError:  # not an order number, or no order has it
        return None


async def names_an_order(text: str) -> bool:
    """Whether /receive's words are about a purchase order rather than a plain receipt."""
    words = text.split()
    if not words:
        return False
    return looks_like_order(words) or await _order(words[0]) is not None


def _said(error: Exception) -> str:
    if isinstance(error, UnknownPurchaseOrder):
        return (
            f"There is no purchase order {error.number} (see `syncbot po list`). "
            "A receipt without an order is `/receive SKU QTY`."
        )
    if isinstance(error, OverReceipt):
        return (
            f"Receiving {error.requested} × {error.sku} is more than the {error.open_quantity} "
            f"still expected on {error.number}. To record the excess as an over-receipt: "
            f"`syncbot po receive {error.number} {error.sku} {error.requested} --force`."
        )
    return str(error)


def _line_of(order: purchasing.OrderView, sku: str) -> purchasing.LineView:
    line = next((line for line in order.lines if line.sku == sku), None)
    if line is None:
        raise LineNotOnOrder(order.number, sku)
    return line


def check_receipt(order: purchasing.OrderView, sku: str, quantity: int, damaged: int = 0) -> None:
    """The order's rules for a receipt of `quantity` of a line, against the order as read
    now: its state, the line, and no more than is still expected (`ledger.purchasing`)."""
    if order.status not in RECEIVABLE:
        raise WrongState(order.number, order.status, "receiving", RECEIVABLE)
    line = _line_of(order, sku)
    state = LineState(line.quantity, line.received, line.cancelled)
    Receipt.split(state, quantity, damaged, number=order.number, sku=sku, force=False)


async def _checked(text: str) -> tuple[OrderReceipt, purchasing.OrderView]:
    """The typed request and its order; raises UsageError or a LedgerError to answer."""
    words = text.split()
    request = read_order_receipt(words[0], words[1:])
    if request.sku is not None:  # a barcode names its SKU's line
        request = replace(request, sku=await barcodes.sku_named(request.sku))
    order = await _order(request.number)
    if order is None:
        raise UnknownPurchaseOrder(request.number)
    if request.sku is not None:
        check_receipt(order, request.sku, request.quantity)
    elif order.status not in RECEIVABLE:
        raise WrongState(order.number, order.status, "receiving", RECEIVABLE)
    elif not any(line.open > 0 for line in order.lines):
        raise PurchasingInputError(f"purchase order {order.number} has nothing left to receive")
    return request, order


async def order_ack(floor: Floor, ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
    """Refuses at once (ephemerally) what can be refused; otherwise an empty answer."""
    user, team = command["user_id"], command.get("team_id")
    try:
        await _checked(command.get("text", ""))
    except (UsageError, LedgerError) as error:
        metrics.SLACK_WRITES.labels(COMMAND, "rejected").inc()
        await ack(**blocks.problem_message(_said(error)))
        return
    why = await floor.refused_write(client, user, COMMAND)
    if why is not None:
        await ack(**adjustments.refused(user, team, COMMAND, why))
        return
    await ack()


async def order_command(floor: Floor, command: Body, client: AsyncWebClient) -> None:
    """After the acknowledgement: opens the form, or receives the line typed out."""
    user, team = command["user_id"], command.get("team_id")
    if await floor.refused_write(client, user, COMMAND) is not None:
        return
    try:
        request, order = await _checked(command.get("text", ""))
    except (UsageError, LedgerError):
        return  # the acknowledgement said why
    if request.sku is None:
        view = receipt_form.receive_modal(order, command.get("channel_id", ""))
        await client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    line = purchasing.LineReceipt(request.sku, request.quantity, 0, request.unit_cost)
    message = await _record(order.number, [line], Actor.slack(team, user), command["trigger_id"])
    await floor.reply(command.get("response_url"), message)


async def _record(
    number: str, lines: list[purchasing.LineReceipt], actor: Actor, key: str
) -> blocks.Message:
    """Receives the lines in one posting; the message to show, success or refusal."""
    try:
        result = await purchasing.receive_lines(number, lines, actor, key=key)
    except LedgerError as error:
        metrics.SLACK_WRITES.labels(COMMAND, "rejected").inc()
        return blocks.problem_message(_said(error))
    if not result.applied:
        return blocks.problem_message(f"This receipt on {number} was already recorded.")
    metrics.SLACK_WRITES.labels(COMMAND, "recorded").inc()
    what = receipt_form.received_text(number, lines, result.order)
    return receipt_form.received_message(actor.name, what, result.order)


async def _read_form(view: Body) -> tuple[dict[str, str], receipt_form.FormReceipt | None]:
    """The form's lines, checked against the order as it is now."""
    problems, receipt = receipt_form.read_form(view)
    if receipt is None:
        return problems, None
    order = await _order(receipt.number)
    if order is None:
        return {receipt_form.first_field(view): _said(UnknownPurchaseOrder(receipt.number))}, None
    for line in receipt.lines:
        try:
            check_receipt(order, line.sku, line.quantity, line.damaged)
        except LedgerError as error:
            problems[f"qty:{line.sku}"] = _said(error)
    return problems, None if problems else receipt


def register(app: AsyncApp, floor: Floor) -> None:
    """The form's submission: checked in the acknowledgement, recorded after it."""

    async def submitted(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        user, team = body["user"]["id"], (body.get("team") or {}).get("id")
        problems, receipt = await _read_form(body["view"])
        if receipt is None:
            await ack(response_action="errors", errors=problems)
            return
        why = await floor.refused_write(client, user, COMMAND)
        if why is not None:
            adjustments.refused(user, team, "receive form", why)
            await ack(
                response_action="errors", errors={receipt_form.first_field(body["view"]): why}
            )
            return
        await ack()

    async def recorded(body: Body, client: AsyncWebClient) -> None:
        user, team = body["user"]["id"], (body.get("team") or {}).get("id")
        # Not checked against the order again: a second submission of a recorded form
        # must reach the store, which answers a used key before it checks anything else.
        _, receipt = receipt_form.read_form(body["view"])
        if receipt is None or await floor.refused_write(client, user, COMMAND) is not None:
            return
        key = f"modal:{body['view']['id']}"
        actor = Actor.slack(team, user)
        message = await _record(receipt.number, list(receipt.lines), actor, key)
        # A refusal or a replay goes to the person alone; a receipt to the channel.
        channel = receipt.channel if message.get("response_type") == "in_channel" else user
        await post_to(client, channel or user, user, message)

    app.view(receipt_form.RECEIVE_MODAL)(ack=submitted, lazy=[recorded])
