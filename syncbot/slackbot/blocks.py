"""Block Kit for every message, modal and tab the bot shows. Pure: data in, JSON out.

Every message also carries plain `text`: Slack shows it in notifications and screen
readers read it, so it says the same thing in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from syncbot.app.actor import Actor, Via
from syncbot.app.channels import ChannelStatus
from syncbot.app.purchasing_views import IncomingLine
from syncbot.app.reports import LowStock, StockCard
from syncbot.ledger import Quantities
from syncbot.ledger.bundles import BundleStock
from syncbot.ledger.errors import SHOWN_CHARACTERS
from syncbot.slackbot.text import DAMAGE_REASONS, MAX_UNITS

Block = dict[str, Any]
Message = dict[str, Any]

STOCK_PICK = "stock_pick"
UNDO = "undo"
DAMAGE_MODAL = "damage_modal"


def _text(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _context(*parts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": p} for p in parts]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def when(moment: datetime | None) -> str:
    """Slack renders the date in each reader's own time zone; the fallback is UTC."""
    if moment is None:
        return "never"
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"


def _figures(quantities: Quantities) -> str:
    return (
        f"on hand *{quantities.on_hand}* · available *{quantities.available}* · "
        f"committed {quantities.committed} · damaged {quantities.damaged}"
    )


def incoming_text(incoming: Sequence[IncomingLine]) -> str:
    """Units on open purchase orders, soonest expected first."""
    lines = [
        f"• {line.quantity} on *{line.order}* from {line.supplier} to {line.location}, "
        + (f"expected {line.expected_on.isoformat()}" if line.expected_on else "no date given")
        for line in incoming
    ]
    return "*Incoming*\n" + ("\n".join(lines) or "_Nothing on order._")


def stock_message(
    card: StockCard,
    public: bool = False,
    incoming: Sequence[IncomingLine] = (),
    bundle: BundleStock | None = None,
) -> Message:
    report = card.report
    title = f"*{report.sku}*" + (f" · {report.name}" if report.name else "")
    blocks: list[Block]
    if bundle is not None:  # it holds no stock of its own: its figures are its components'
        blocks = _bundle_blocks(title, bundle)
    elif len(report.locations) > 1 or not report.locations:
        blocks = [_text(f"{title}\n{_figures(report.total)}")]
        lines = [f"• *{name}*: {_figures(q)}" for name, q in report.locations.items()]
        blocks.append(_text("\n".join(lines) or "_No stock recorded at any location._"))
    else:
        (name,) = report.locations
        blocks = [_text(f"{title}\n{_figures(report.total)}"), _context(f"all at *{name}*")]
    channels = [
        f"• *{figure.channel}*: "
        + ("_quarantined_, " if figure.quarantined else "")
        + (
            f"sent {figure.pushed} {when(figure.pushed_at)}"
            if figure.pushed is not None
            else "never sent"
        )
        for figure in card.channels
    ]
    if incoming:
        blocks.append(_text(incoming_text(incoming)))
    blocks.append(_text("*Channels*\n" + ("\n".join(channels) or "_Not listed on any channel._")))
    sales = f"Sold: {card.sold_7_days} in 7 days · {card.sold_30_days} in 30 days"
    reorder = (
        f"reorder point {report.reorder_point}"
        if report.reorder_point is not None
        else "no reorder point"
    )
    blocks.append(_context(sales, reorder))
    text = f"{report.sku}: available {report.total.available}, on hand {report.total.on_hand}"
    if bundle is not None:
        text = f"{report.sku}: a bundle, {bundle.available} available"
    return {
        "response_type": "in_channel" if public else "ephemeral",
        "text": text,
        "blocks": blocks,
    }


def _bundle_blocks(title: str, bundle: BundleStock) -> list[Block]:
    """A bundle's availability in total and per location, each with its limiting component."""
    head = f"{title}\nBundle of {bundle.recipe} · *{bundle.available}* available" + (
        f" · {bundle.incoming} incoming" if bundle.incoming else ""
    )
    lines = [f"• *{place}*: {figure.explain()}" for place, figure in bundle.locations.items()]
    return [_text(head), _text("\n".join(lines) or "_No component held at any location._")]


def _shown(typed: str) -> str:
    """What a person typed, as a reply shows it: at most 80 characters, never the whole of
    a long paste."""
    return typed if len(typed) <= SHOWN_CHARACTERS else typed[:SHOWN_CHARACTERS] + "…"


def matches_message(query: str, skus: Sequence[tuple[str, str]]) -> Message:
    query = _shown(query)
    if not skus:
        return {
            "response_type": "ephemeral",
            "text": f"No SKU or name matches “{query}”.",
            "blocks": [_text(f"No SKU or name matches “{query}”. Try fewer words.")],
        }
    blocks: list[Block] = [
        _text(f"{len(skus)} match{'es' if len(skus) > 1 else ''} for “{query}”:")
    ]
    for code, name in skus:
        section = _text(f"*{code}*" + (f" · {name}" if name else ""))
        section["accessory"] = _button("Show", STOCK_PICK, code)
        blocks.append(section)
    return {"response_type": "ephemeral", "text": f"Matches for {query}", "blocks": blocks}


def unknown_sku_message(code: str, suggestions: Sequence[str]) -> Message:
    text = f"There is no SKU `{_shown(code)}`."
    blocks: list[Block] = [_text(text + (" Did you mean:" if suggestions else ""))]
    if suggestions:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button(s, STOCK_PICK, s) for s in suggestions[:5]],
            }
        )
    else:
        blocks.append(_context("Search by name with `/stock some words`."))
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def problem_message(problem: str) -> Message:
    """A refusal or a mistake, said plainly; never a traceback."""
    return {
        "response_type": "ephemeral",
        "text": problem,
        "blocks": [_text(f":warning: {problem}")],
    }


def recorded_message(
    user: str, what: str, figures: Quantities, location: str, movement_id: int | None
) -> Message:
    """The confirmation of a write; the Undo button names the movement it reverses."""
    line = f"<@{user}> {what}.\nNow at *{location}*: {_figures(figures)}"
    section = _text(line)
    if movement_id is not None:
        section["accessory"] = _button("Undo", UNDO, str(movement_id), style="danger")
    return {"response_type": "in_channel", "text": f"{what}", "blocks": [section]}


def undone_message(user: str, original: str, figures: Quantities, location: str) -> Message:
    text = f"~{original}~\nUndone by <@{user}>. Now at *{location}*: {_figures(figures)}"
    return {"replace_original": True, "text": f"Undone by {user}", "blocks": [_text(text)]}


def damage_modal(locations: Sequence[str], channel_id: str, sku: str = "") -> dict[str, Any]:
    """The /damage form. `private_metadata` carries the channel to confirm in."""

    def options(values: Sequence[str]) -> list[Block]:
        return [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]

    sku_input: Block = {"type": "plain_text_input", "action_id": "value", "max_length": 128}
    if sku:
        sku_input["initial_value"] = sku
    return {
        "type": "modal",
        "callback_id": DAMAGE_MODAL,
        "private_metadata": channel_id,
        "title": {"type": "plain_text", "text": "Record damage"},
        "submit": {"type": "plain_text", "text": "Record"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "sku", "label": _plain("SKU"), "element": sku_input},
            {
                "type": "input",
                "block_id": "quantity",
                "label": _plain("Quantity"),
                "element": {
                    "type": "number_input",
                    "action_id": "value",
                    "is_decimal_allowed": False,
                    "min_value": "1",
                    "max_value": str(MAX_UNITS),
                },
            },
            {
                "type": "input",
                "block_id": "location",
                "label": _plain("Location"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": options(locations),
                    "initial_option": options(locations)[0],
                },
            },
            {
                "type": "input",
                "block_id": "reason",
                "label": _plain("Reason"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": options(DAMAGE_REASONS),
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": _plain("Note"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 400,
                },
            },
        ],
    }


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def home_view(
    low: Sequence[LowStock],
    adjustments: Sequence[tuple[str, str, str, int, str, datetime]],
    channels: Sequence[ChannelStatus],
) -> dict[str, Any]:
    """The App Home tab: low stock, the last adjustments with who made them, channel health.

    `adjustments` rows are (actor, kind, sku, quantity, location, occurred_at).
    """
    low_lines = [
        f"• *{item.sku}*{' · ' + item.name if item.name else ''}: available {item.available}, "
        f"reorder point {item.reorder_point}"
        for item in low
    ]
    adjustment_lines = [
        f"• {who_made(actor)} {kind} {quantity} × *{sku}* at {location}, {when(at)}"
        for actor, kind, sku, quantity, location, at in adjustments
    ]
    channel_lines = [_health(status) for status in channels]
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": _plain("Low stock")},
            _text("\n".join(low_lines) or "_Nothing is at or below its reorder point._"),
            {"type": "divider"},
            {"type": "header", "text": _plain("Recent adjustments")},
            _text("\n".join(adjustment_lines) or "_No adjustments yet._"),
            {"type": "divider"},
            {"type": "header", "text": _plain("Channel sync")},
            _text("\n".join(channel_lines) or "_No channels configured._"),
        ],
    }


def who_made(actor: str) -> str:
    """`slack:T…:U…` is shown as a mention; other actors (cli:…, api) as written."""
    who = Actor.decode(actor)
    if who.via is Via.SLACK:
        return f"<@{who.name}>"
    return f"`{actor or 'unknown'}`"


def _health(status: ChannelStatus) -> str:
    if status.error:
        state = f":red_circle: failing ({status.failures}×): {status.error[:120]}"
    elif status.quarantined:
        state = f":large_orange_circle: {status.quarantined} quarantined"
    elif status.synced_at is None:
        state = ":white_circle: not synced yet"
    else:
        state = ":large_green_circle: healthy"
    return (
        f"• *{status.channel}*: {state} · {status.listings} listings · "
        f"synced {when(status.synced_at)}"
        + (f" · drift {status.drift_units} units" if status.drift_units else "")
    )


def alert_message(text: str, detail: str = "") -> Message:
    blocks = [_text(text)] + ([_context(detail)] if detail else [])
    return {"text": text, "blocks": blocks}
