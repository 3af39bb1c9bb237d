"""`/count` during a stock-take: the count goes into the open session that covers the SKU
at that location, and the reply says which; a blind session's reply shows no expected."""

from __future__ import annotations

from syncbot import metrics
from syncbot.app import stocktake_floor
from syncbot.app.actor import Actor
from syncbot.ledger import LedgerError
from syncbot.slackbot import blocks
from syncbot.slackbot.blocks import Message
from syncbot.slackbot.text import Adjustment


async def into_open_session(
    adjustment: Adjustment, user: str, team: str | None, key: str
) -> Message | None:
    """The reply when an open session took the count; None when none covers the SKU."""
    try:
        into = await stocktake_floor.count_in_open_session(
            adjustment.sku, adjustment.quantity, adjustment.location, Actor.slack(team, user),
            key=f"slack:{key}",
        )  # fmt: skip
    except LedgerError as error:
        metrics.SLACK_WRITES.labels("/count", "rejected").inc()
        return blocks.problem_message(str(error))
    if into is None:
        return None
    metrics.SLACK_WRITES.labels("/count", "recorded").inc()
    return counted_message(user, adjustment, into)


def counted_message(
    user: str, adjustment: Adjustment, into: stocktake_floor.SessionCount
) -> Message:
    """Said only to the counter: in a blind session, the others' counts and the expected
    quantity are not theirs to see."""
    line = into.counted.line
    said = f"counted {adjustment.quantity} × {line.sku} in stock-take {into.label}"
    if not into.counted.applied:
        said = f"that count of {line.sku} was already recorded in stock-take {into.label}"
    if into.blind:
        detail = "A blind count: the expected quantity is not shown."
    else:
        detail = f"Line total {line.counted}, expected {line.expected} at this count."
    text = f"<@{user}> {said}.\n{detail} Nothing is posted until a manager posts the stock-take."
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {"response_type": "ephemeral", "text": said, "blocks": [section]}
