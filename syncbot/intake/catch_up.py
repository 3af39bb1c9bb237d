"""Catch-up: ask a channel for orders updated since its cursor and reconcile them.

Webhooks can be late by a day or never come. Catch-up reads the same orders through the
channel's API and reconciles them exactly as a webhook would, so nothing is counted
twice. The cursor moves after each page, so an interrupted run resumes where it stopped.
An order whose id the store cannot hold is reported and skipped; it never stops the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.base import Connector
from syncbot.store import cursors
from syncbot.store.orders import UnstorableOrder, record_order_event

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CatchUpReport:
    orders: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    """Orders whose reconciliation posted movements: what the webhooks had missed."""
    refused: list[str] = field(default_factory=list)
    """Why orders the store cannot hold were skipped, one line each."""
    cursor: datetime | None = None


@dataclass(frozen=True, slots=True)
class NotCaughtUpYet:
    """The channel has never caught up and no start was given: nothing was read. A person
    must choose where to start; the scheduler waits for that."""

    channel: str

    def __str__(self) -> str:
        return (
            f"channel {self.channel!r} has never caught up: give --since, the time of the "
            "stock count the ledger started from (orders before it are already in that count)"
        )


async def catch_up(
    connector: Connector,
    progress: Callable[[CatchUpReport], None] | None = None,
    *,
    since: datetime | None = None,
) -> CatchUpReport | NotCaughtUpYet:
    """Reconciles every order the channel updated after the stored cursor (or `since`).

    A channel's first catch-up needs `since`: reading every order the storefront still
    shows would post shipments that the merchant's last stock count already reflects.
    Without it, the answer is NotCaughtUpYet and nothing is read.
    """
    cursor = await cursors.orders_cursor(connector.name)
    if since is None and cursor is None:
        return NotCaughtUpYet(connector.name)
    report = CatchUpReport(cursor=since or cursor)
    async for page in connector.orders_since(report.cursor):
        for event in page.events:
            report.orders.add(event.order_id)
            try:
                changed = await record_order_event(connector.name, event)
            except UnstorableOrder as refusal:
                log.warning("catch-up skipped an order: %s", refusal)
                report.refused.append(str(refusal))
                continue
            if changed is not None:
                report.changed.add(event.order_id)
        if page.cursor is not None:
            report.cursor = page.cursor
            await cursors.save_orders_cursor(connector.name, page.cursor)
        if progress is not None:
            progress(report)
    await cursors.mark_caught_up(connector.name, datetime.now(UTC))
    return report
