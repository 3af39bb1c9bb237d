"""The daily digest in Slack: its message (pure) and the leader's job that posts it once a day.

The job wakes every minute in the process that leads the scheduler. Once the configured
time (UTC) has passed and today's digest is not recorded as posted, it reads the digest,
claims the day (`app.digest.claim`: one row per day, taken in a transaction), posts, and
marks the day posted with the message's `ts`. A second process, a second job or a restart
finds the day posted, or claimed, and posts nothing. A claim Slack refused is given back
(the job tries again RETRY_AFTER_REFUSAL later); a claim left by a process that died
mid-post is taken again after STALE_CLAIM.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from syncbot import metrics
from syncbot.app import digest
from syncbot.app.digest import (
    Attention,
    Counted,
    Digest,
    DuePurchaseOrder,
    InboxEntry,
    ListingAttention,
    OversoldRow,
    StockConcern,
    StocktakeSummary,
)
from syncbot.slackbot.blocks import Block, Message

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
"""A claim not marked posted after this long was left by a process that died mid-post."""
RETRY_AFTER_REFUSAL = timedelta(minutes=10)
"""After Slack refused the digest (the bot not in the channel, say), the job waits this
long before it reads and posts again, rather than reading the catalogue every minute."""
ERROR_SHOWN = 120
SECTION_CHARACTERS = 2900
"""Slack refuses a section over 3000 characters: long names and errors must not stop the
digest."""

T = TypeVar("T")


def digest_message(content: Digest) -> Message:
    """The digest as one Slack message: a header, then each section that has something in
    it; an empty day is one line saying all is clear."""
    title = f"Stock digest · {content.day:%a %d %b %Y}"
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if content.all_clear:
        line = (
            ":white_check_mark: *All clear.* Nothing runs out within its lead time or is at "
            "its reorder point, nothing is oversold, no listing is quarantined or drifting, "
            "no delivery failed, no stock-take is open and no purchase order is due."
        )
        blocks.append(_section(line))
        return {"text": f"Stock digest for {content.day.isoformat()}: all clear", "blocks": blocks}
    parts = [
        _part("Low stock and stock-outs due", content.stock, _stock, "`syncbot replenish`"),
        _part("Oversold", content.oversold, _oversold, "`syncbot sku list`"),
        _listings("Quarantined listings", content.quarantined),
        _listings("Drifting listings", content.drifting),
        _part("Failed deliveries", content.failed_deliveries, _delivery, "`syncbot inbox list`"),
        _part(
            "Open stock-takes", content.stocktakes, _stocktake, "`syncbot stocktake list --open`"
        ),
        _part(
            "Purchase orders due",
            content.purchase_orders,
            _purchase_order,
            "`syncbot po list --open`",
        ),
    ]
    clear = [name for name, total, _ in parts if not total]
    summary = []
    for name, total, section in parts:
        if total:
            blocks.extend(section)
            summary.append(f"{name.lower()} {total}")
    if clear:
        blocks.append(_context("Clear: " + ", ".join(name.lower() for name in clear) + "."))
    text = f"Stock digest for {content.day.isoformat()}: " + ", ".join(summary)
    return {"text": text, "blocks": blocks}


Part = tuple[str, int, list[Block]]


def _part(title: str, rows: Counted[T], line: Callable[[T], str], more: str) -> Part:
    lines = [line(row) for row in rows.rows]
    return title, rows.total, _fitted(f"*{title}* ({rows.total})", lines, rows.total, more)


def _listings(title: str, attention: Attention) -> Part:
    per_channel = ", ".join(f"{name} {n}" for name, n in sorted(attention.per_channel.items()))
    lines = [
        f"• *{_escape(row.sku)}* on {_escape(row.channel)}{_why(row)}" for row in attention.first
    ]
    heading = f"*{title}* ({attention.total}: {per_channel})"
    more = f"`syncbot channels listings CHANNEL --state {attention.state}`"
    return title, attention.total, _fitted(heading, lines, attention.total, more)


def _fitted(heading: str, lines: list[str], total: int, more: str) -> list[Block]:
    """The heading and as many lines as Slack takes in one section (SECTION_CHARACTERS);
    then, when there are more, how many and the command that lists them."""
    text = heading
    shown = 0
    for line in lines:
        if len(text) + 1 + len(line) > SECTION_CHARACTERS:
            break
        text += "\n" + line
        shown += 1
    blocks = [_section(text)]
    if total > shown:
        blocks.append(_context(f"and {total - shown} more: {more}"))
    return blocks


def _why(row: ListingAttention) -> str:
    if row.state == "drifting":
        return f": drift {row.detail} units"
    return f": {_escape(row.detail[:ERROR_SHOWN])}" if row.detail else f" ({row.state})"


def _stock(concern: StockConcern) -> str:
    name = f" {_escape(concern.name)}" if concern.name else ""
    if concern.available <= 0:
        state = f"out of stock (available {concern.available})"
    elif concern.runs_out_in_lead_time and concern.stockout is not None:
        state = f"runs out in {concern.days_of_cover} days ({concern.stockout:%d %b})"
    else:
        state = f"available {concern.available}"
    facts = [state]
    if concern.runs_out_in_lead_time:
        facts.append(f"lead time {concern.lead_time_days} days")
    if concern.low:
        which = "set" if concern.set_by_hand else "computed"
        facts.append(f"reorder point {concern.reorder_point} ({which})")
    if concern.incoming:
        facts.append(f"incoming {concern.incoming}")
    if concern.order:
        source = f" from {_escape(concern.supplier)}" if concern.supplier else ""
        facts.append(f"order {concern.order}{source}")
    return f"• *{_escape(concern.sku)}*{name}: " + " · ".join(facts)


def _oversold(row: OversoldRow) -> str:
    return f"• *{_escape(row.sku)}* at {_escape(row.location)}: available {row.quantity}"


def _delivery(entry: InboxEntry) -> str:
    error = _escape((entry.error or "no error recorded")[:ERROR_SHOWN])
    return (
        f"• #{entry.id} {_escape(entry.channel)} {_escape(entry.topic)}, "
        f"{entry.attempts} of {entry.max_attempts} tries: {error}"
    )


def _stocktake(session: StocktakeSummary) -> str:
    name = f" {_escape(session.name)}" if session.name else ""
    return (
        f"• #{session.id}{name} at {_escape(session.location)}: {session.counted} of "
        f"{session.lines} lines counted, opened {session.created_at:%d %b}"
    )


def _purchase_order(order: DuePurchaseOrder) -> str:
    if order.days_late > 0:
        due = f"*{order.days_late} days late* (expected {order.expected_on:%d %b})"
    elif order.days_late == 0:
        due = "due today"
    else:
        due = f"due {order.expected_on:%a %d %b}"
    return (
        f"• *{_escape(order.number)}* from {_escape(order.supplier)} to "
        f"{_escape(order.location)}: {order.units} units still expected, {due}"
    )


def _section(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _context(markdown: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": markdown}]}


def _escape(text: str) -> str:
    """Slack reads <, > and & as its own markup: names and errors are shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DailyDigest:
    """The leader's job: posts the digest once a day, after `at` (UTC), to `channel`."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        at: time,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stale_after: timedelta = STALE_CLAIM,
    ) -> None:
        self._client = client
        self._channel = channel
        self._at = at
        self._clock = clock
        self._stale_after = stale_after
        self._not_before: datetime | None = None
        # Names this job in the day's claim: a process's own, across its restarts new.
        self.claimant = f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    async def run(self) -> bool:
        """Posts today's digest if it is time and no one has; True when this run posted."""
        now = self._clock()
        today = now.date()
        if now.time() < self._at or (self._not_before is not None and now < self._not_before):
            return False
        if await digest.posted(today):
            return False
        # Read before claiming, so the claim is held only for the post itself: a claim
        # goes stale after minutes, while the reads may fit forecasts for a while.
        message = digest_message(await digest.build(today))
        if not await digest.claim(today, self.claimant, self._clock(), self._stale_after):
            return False
        try:
            answer = await self._client.chat_postMessage(channel=self._channel, **message)
        except SlackApiError as error:
            await digest.release(today, self.claimant)
            self._not_before = now + RETRY_AFTER_REFUSAL
            metrics.ALERTS.labels("digest", "refused").inc()
            log.warning(
                "Slack refused the daily digest; it is tried again in 10 minutes",
                extra={"day": today.isoformat(), "error": error.response.get("error")},
            )
            return False
        await self._posted(today, str(answer.get("ts") or ""))
        return True

    async def _posted(self, today: date, ts: str) -> None:
        metrics.ALERTS.labels("digest", "posted").inc()
        if not await digest.mark_posted(today, self.claimant, self._clock(), self._channel, ts):
            log.warning(
                "the daily digest was posted after its claim went stale: it may be there twice",
                extra={"day": today.isoformat()},
            )
            return
        log.info("daily digest posted", extra={"day": today.isoformat(), "ts": ts})
