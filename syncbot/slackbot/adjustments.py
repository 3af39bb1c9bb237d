"""Recording from Slack: a typed adjustment posted as its Slack user, and its Undo.

The listeners in commands.py parse and acknowledge; these post to the ledger and say, in
a message, what happened. Every movement names its Slack team and user as its actor.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from syncbot import metrics
from syncbot.app import reports
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.app.roles import Role, role_for_movement
from syncbot.ledger import (
    Bucket,
    Count,
    LedgerError,
    Movement,
    Quantities,
    UnknownMovement,
    UnknownSku,
    damage,
    receive,
)
from syncbot.ledger.costing import format_cost
from syncbot.slackbot import blocks, stocktake_counts
from syncbot.slackbot.access import refusal
from syncbot.slackbot.blocks import Message
from syncbot.slackbot.text import Adjustment

log = logging.getLogger(__name__)


KINDS = {"/damage": "damage", "/receive": "receive", "/count": "count"}
"""The movement kind each command records: its role is `role_for_movement`'s."""

DOING = {"/damage": "Recording damage", "/receive": "Recording a receipt", "/count": "Counting"}


def needed_role(command: str) -> Role:
    """The role a write command needs, by the kind of movement it records."""
    return role_for_movement(KINDS[command])


def refused(user: str, team: str | None, command: str, why: str, detail: str = "") -> Message:
    """Counts and logs a refused write; the message that tells the person why."""
    metrics.SLACK_WRITES.labels(command, "refused").inc()
    log.warning(
        "refused a Slack write",
        extra={"user": user, "team": team, "command": command, "detail": detail},
    )
    return blocks.problem_message(why)


async def record(
    command: str, adjustment: Adjustment, user: str, team: str | None, key: str
) -> Message:
    """Posts the movement as the Slack user; the message to show, success or refusal. A
    count of a SKU in an open stock-take at that location goes into the session instead."""
    if command == "/count" and (
        counted := await stocktake_counts.into_open_session(adjustment, user, team, key)
    ):
        return counted
    sku, quantity, location, reason = (
        adjustment.sku,
        adjustment.quantity,
        adjustment.location,
        adjustment.reason,
    )
    entry: Movement | Count
    if command == "/damage":
        entry = damage(sku, quantity, location, reason)
    elif command == "/receive":
        entry = receive(sku, quantity, location, reason, unit_cost=adjustment.unit_cost)
    else:
        entry = Count(sku, quantity, location)
    who, document = Actor.slack(team, user), f"slack:{command.lstrip('/')}"
    try:
        result = await use_stock.record(entry, who, key, document)
    except UnknownSku:
        matches = await reports.close_matches(sku)
        metrics.SLACK_WRITES.labels(command, "rejected").inc()
        return blocks.unknown_sku_message(sku, matches)
    except LedgerError as error:
        metrics.SLACK_WRITES.labels(command, "rejected").inc()
        return blocks.problem_message(str(error))
    metrics.SLACK_WRITES.labels(command, "recorded").inc()
    return blocks.recorded_message(
        user,
        _summary(command, adjustment, result),
        result.stock.locations.get(location) or Quantities(),
        location,
        result.rows[0].id if result.movements and result.rows else None,
    )


def _summary(command: str, adjustment: Adjustment, result: use_stock.Recorded) -> str:
    """Names the SKU recorded, and the barcode when one was typed for it."""
    sku, quantity = result.stock.sku, adjustment.quantity
    if sku != adjustment.sku:
        sku = f"{sku} (barcode {adjustment.sku})"
    if command == "/count":
        if not result.movements:
            return f"counted {quantity} × {sku}: it matches, nothing posted"
        difference = _difference(result.movements[0])
        return f"counted {quantity} × {sku}: posted a difference of {difference:+d}"
    verb = "recorded damage of" if command == "/damage" else "received"
    why = f" ({adjustment.reason})" if adjustment.reason else ""
    cost = "" if adjustment.unit_cost is None else f" at {format_cost(adjustment.unit_cost)}"
    return f"{verb} {quantity} × {sku}{cost}{why}"


def _difference(movement: Movement) -> int:
    """A count found more when units come from the count counterpart into the shelf."""
    if movement.source.bucket == Bucket.COUNT_DIFFERENCE:
        return movement.quantity
    return -movement.quantity


def _describe(movement: use_stock.MovementView) -> str:
    return f"{movement.kind} of {movement.quantity} × {movement.sku}" + (
        f" ({movement.reason})" if movement.reason else ""
    )


async def undo(movement_id: int, user: str, team: str | None, held: Role) -> Message:
    """Reverses a movement once under the undo rule (`roles.role_to_reverse`: its recorder
    for 10 minutes with the role its kind needs, otherwise a manager); the message to show."""
    try:
        row = await use_stock.movement(movement_id)
    except UnknownMovement:
        return blocks.problem_message("That adjustment no longer exists.")
    try:
        result = await use_stock.undo(
            movement_id, Actor.slack(team, user), held, datetime.now(UTC), document="slack:undo"
        )
    except use_stock.UndoRefused as refused_undo:
        why = refusal(refused_undo.why.capitalize(), refused_undo.needed, held, user)
        return refused(user, team, "undo", why, f"movement {movement_id}")
    except LedgerError as error:
        metrics.SLACK_WRITES.labels("undo", "rejected").inc()
        return blocks.problem_message(f"Cannot undo: {error}")
    if not result.applied:
        return blocks.problem_message("This was already undone.")
    metrics.SLACK_WRITES.labels("undo", "recorded").inc()
    location = row.source_location
    figures = result.stock.locations.get(location) or Quantities()
    original = _describe(row)
    return blocks.undone_message(user, original, figures, location)
