"""Turns stored deliveries into ledger postings, off the request path and after commit.

Processing is safe to repeat: reconciliation is state-based and return lines apply once,
so a delivery processed twice (a crash before it was marked, or two processes on
PostgreSQL picking the same row) posts nothing the second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from connectors.base import Connector, ConnectorError, Delivery, MalformedDelivery
from syncbot import metrics
from syncbot.intake import inbox
from syncbot.ledger import LedgerError
from syncbot.store.orders import record_order_event

log = logging.getLogger(__name__)

BATCH = 100
IDLE_SECONDS = 30.0  # a sweep without a wake-up, for rows left by a process that died


class IntakeProcessor:
    def __init__(self, connectors: Mapping[str, Connector]) -> None:
        self._connectors = connectors
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a delivery is stored: process it now rather than at the next sweep."""
        self._wake.set()

    async def run(self) -> None:
        """Processes the backlog at start, then whenever woken, until cancelled."""
        while True:
            self._wake.clear()
            try:
                while await self.process_pending() == BATCH:
                    pass
            except Exception:  # the database went away, say: log it, keep the loop alive
                log.exception("intake sweep failed; retrying at the next one")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)

    async def process_pending(self, limit: int = BATCH) -> int:
        """Processes up to `limit` waiting deliveries; returns how many it tried."""
        rows = await inbox.pending(limit)
        for row in rows:
            delivery = Delivery(row.event_id, row.topic, row.headers)
            await self._process(row.id, row.channel, delivery, row.body)
        return len(rows)

    async def _process(self, row_id: int, channel: str, delivery: Delivery, body: bytes) -> None:
        connector = self._connectors.get(channel)
        if connector is None:
            await inbox.mark_failed(row_id, f"channel {channel!r} is no longer configured")
            return
        try:
            events = await connector.parse(delivery, body)
            if not events:
                metrics.WEBHOOKS_IGNORED.labels(channel, delivery.topic).inc()
            for event in events:
                await record_order_event(channel, event)
        except MalformedDelivery as error:
            await inbox.mark_failed(row_id, str(error), final=True)
            log.warning("unreadable delivery", extra={"channel": channel, "error": str(error)})
            return
        except (LedgerError, OSError, ConnectorError) as error:  # a retry may succeed
            await inbox.mark_failed(row_id, str(error))
            log.warning("delivery not processed", extra={"channel": channel, "error": str(error)})
            return
        await inbox.mark_processed(row_id)
        metrics.WEBHOOKS_PROCESSED.labels(channel, delivery.topic).inc()
