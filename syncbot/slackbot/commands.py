"""The slash commands, the damage modal, and the buttons on their answers.

Reads answer inside the acknowledgement: a SKU's card is a few indexed queries, far
under Slack's three seconds. Writes acknowledge first and answer through the
response_url (or a message, for the modal), so a busy database never makes Slack show
"operation timed out" while the movement is in fact recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from syncbot.app import barcodes, bundles, catalogue, purchasing
from syncbot.app.reports import close_matches, search_skus, stock_card
from syncbot.ledger import (
    LedgerError,
    UnknownSku,
)
from syncbot.ledger.limits import MAX_SKU_LENGTH, quoted, text_problem
from syncbot.slackbot import adjustments, blocks, receiving
from syncbot.slackbot.floor import Floor, post_to
from syncbot.slackbot.text import (
    DAMAGE_REASONS,
    Adjustment,
    UsageError,
    read_adjustment,
    read_quantity,
    read_stock,
)

Body = dict[str, Any]
__all__ = ["Floor", "register"]


def register(app: AsyncApp, floor: Floor) -> None:
    """Each listener is an acknowledgement, and for writes a lazy part that runs after it.

    The app processes before responding, so the acknowledgement is the HTTP answer itself
    (Bolt otherwise polls for it every 10 ms); the lazy parts run once it has been sent.
    A lazy part sees the same request again, so it re-reads the words (cheap, pure) and
    stays silent where the acknowledgement already refused.
    """

    async def stock_command(ack: AsyncAck, command: Body) -> None:
        try:
            query = read_stock(command.get("text", ""))
        except UsageError as error:
            await ack(**blocks.problem_message(str(error)))
            return
        await ack(**await _stock_answer(query.text, query.public, len(query.words) > 1))

    async def just_ack(ack: AsyncAck) -> None:
        await ack()

    async def pick(body: Body) -> None:
        code = body["actions"][0]["value"]
        answer = await _stock_answer(code, public=False, search=False)
        await floor.reply(body.get("response_url"), {**answer, "replace_original": True})

    refused_write = floor.refused_write

    async def adjustment_ack(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        name, user = command["command"], command["user_id"]
        if name == "/receive" and await receiving.names_an_order(command.get("text", "")):
            await receiving.order_ack(floor, ack, command, client)
            return
        if not (name == "/damage" and not command.get("text", "").strip()):
            try:
                _read(floor, command)
            except (UsageError, LedgerError) as error:
                await ack(**blocks.problem_message(str(error)))
                return
        why = await refused_write(client, user, name)
        if why is not None:
            await ack(**adjustments.refused(user, command.get("team_id"), name, why))
            return
        await ack()

    async def adjustment(command: Body, client: AsyncWebClient) -> None:
        name, user, team = command["command"], command["user_id"], command.get("team_id")
        if name == "/receive" and await receiving.names_an_order(command.get("text", "")):
            await receiving.order_command(floor, command, client)
            return
        if await refused_write(client, user, name) is not None:
            return
        if name == "/damage" and not command.get("text", "").strip():
            view = blocks.damage_modal(floor.locations, command.get("channel_id", ""))
            await client.views_open(trigger_id=command["trigger_id"], view=view)
            return
        try:
            typed = _read(floor, command)
        except (UsageError, LedgerError):
            return
        key = command["trigger_id"]  # stored as "slack:<trigger>": Actor.key_namespace
        message = await adjustments.record(name, typed, user, team, key)
        await floor.reply(command.get("response_url"), message)

    async def damage_submitted(ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        user, team = body["user"]["id"], (body.get("team") or {}).get("id")
        problems, typed = await _read_modal(body["view"]["state"]["values"], floor.locations)
        if typed is None:
            await ack(response_action="errors", errors=problems)
            return
        why = await refused_write(client, user, "/damage")
        if why is not None:
            adjustments.refused(user, team, "damage form", why)
            await ack(response_action="errors", errors={"sku": why})
            return
        await ack()

    async def damage_recorded(body: Body, client: AsyncWebClient) -> None:
        user, team = body["user"]["id"], (body.get("team") or {}).get("id")
        _, typed = await _read_modal(body["view"]["state"]["values"], floor.locations)
        if typed is None or await refused_write(client, user, "/damage") is not None:
            return
        key = f"modal:{body['view']['id']}"
        message = await adjustments.record("/damage", typed, user, team, key)
        await post_to(client, body["view"].get("private_metadata") or user, user, message)

    async def undo(body: Body, client: AsyncWebClient) -> None:
        user, team = body["user"]["id"], (body.get("team") or {}).get("id")
        movement_id = int(body["actions"][0]["value"])
        held = await floor.access.role_of(client, user)
        message = await adjustments.undo(movement_id, user, team, held)
        await floor.reply(body.get("response_url"), message)

    for name in ("/damage", "/count", "/receive"):
        app.command(name)(ack=adjustment_ack, lazy=[adjustment])
    app.command("/stock")(stock_command)
    app.action(blocks.STOCK_PICK)(ack=just_ack, lazy=[pick])
    app.action(blocks.UNDO)(ack=just_ack, lazy=[undo])
    app.view(blocks.DAMAGE_MODAL)(ack=damage_submitted, lazy=[damage_recorded])
    receiving.register(app, floor)


def _read(floor: Floor, command: Body) -> Adjustment:
    typed = read_adjustment(command["command"], command.get("text", ""), floor.locations)
    barcodes.check_sku_or_barcode(typed.sku)
    return typed


async def _stock_answer(text: str, public: bool, search: bool) -> dict[str, Any]:
    """An exact SKU's card; otherwise matches to pick from, or close codes."""
    if not search:
        try:
            return await _card_message(text, public)
        except UnknownSku:
            pass
    found = await search_skus(tuple(text.split()))
    if len(found) == 1 and not search:
        return await _card_message(found[0].code, public)
    if found:
        return blocks.matches_message(text, [(sku.code, sku.name) for sku in found])
    if search:
        return blocks.matches_message(text, [])
    return blocks.unknown_sku_message(text, await close_matches(text))


async def _card_message(code: str, public: bool) -> dict[str, Any]:
    """A SKU's card with what is incoming on open purchase orders; raises UnknownSku."""
    card = await stock_card(code, datetime.now(UTC))
    incoming = await purchasing.incoming_by_order(card.report.sku)
    bundle = await bundles.stock_of(card.report.sku)
    return blocks.stock_message(card, public, incoming, bundle)


async def _read_modal(
    values: Body, locations: Sequence[str]
) -> tuple[dict[str, str], Adjustment | None]:
    """The modal's fields, or the errors to show beside them (Slack keeps the form open)."""
    problems: dict[str, str] = {}
    sku = ((values.get("sku") or {}).get("value") or {}).get("value") or ""
    sku = sku.strip()
    units = ((values.get("quantity") or {}).get("value") or {}).get("value") or ""
    location = _selected(values, "location") or "main"
    reason = _selected(values, "reason") or ""
    note = ((values.get("note") or {}).get("value") or {}).get("value") or ""
    problem = text_problem(sku, "The SKU", MAX_SKU_LENGTH)
    if not sku:
        problems["sku"] = "Enter a SKU."
    elif problem is not None:
        problems["sku"] = f"{problem}."
    elif not await catalogue.sku_exists(sku := await barcodes.sku_named(sku)):
        matches = await close_matches(sku)
        problems["sku"] = f"There is no SKU {quoted(sku)}." + (
            f" Did you mean {', '.join(matches)}?" if matches else ""
        )
    try:
        quantity = read_quantity("/damage", str(units).strip())
    except UsageError as error:
        problems["quantity"] = error.problem
        quantity = 0
    if location not in locations:
        problems["location"] = "Choose a location."
    if reason not in DAMAGE_REASONS:
        problems["reason"] = "Choose a reason."
    if problems:
        return problems, None
    return {}, Adjustment(sku, quantity, location, f"{reason}: {note}" if note else reason)


def _selected(values: Body, block: str) -> str | None:
    option = ((values.get(block) or {}).get("value") or {}).get("selected_option")
    return option.get("value") if option else None
