"""Turns stored deliveries into ledger postings, off the request path and after commit.

When to process is `runtime.intake`'s loop; this processes what it is handed.

Deliveries are claimed in batches that follow the load: a claim takes what is due, up to
`batch` (`SYNCBOT_INTAKE_BATCH`), so an idle service works one delivery at a time and a
burst goes in batches. Each batch is parsed first, outside any transaction (a connector
may read the order back from the storefront), then reconciled in one transaction: the
balance rows of every SKU the batch names are locked first, in one statement and in the
posting's fixed order (so a batch and a concurrent posting never lock in opposite
orders), then each order event runs in its own savepoint and each delivery is closed in
the same transaction. One commit covers what used to take two per delivery.

Processing is safe to repeat: reconciliation is state-based and return lines apply once,
so a delivery processed twice (a crash before it was marked, a lease that ran out
mid-try, or a batch that rolled back and is retried one by one) posts nothing the second
time.

No delivery can stop the others. Every error of one try is caught for that row alone:

    NotOnStore                       closed as not_found, with the connector's reason
    MalformedDelivery, UnstorableOrder,
    InvalidMovement, a value the
    database refuses (DataError)     failed at once: the same payload can never succeed
    LedgerError, ConnectorError,
    OSError, other database errors   one try counted, retried after a growing wait
    anything else                    a bug: logged with its traceback, retried the same way

In a batch, a delivery that can never succeed is rolled back to its savepoint and failed
there; one that failed for any other reason (a deadlock with another process, say) is
rolled back alone and tried again on its own after the batch commits, where the rules
above count its try. A batch that cannot commit is tried again one delivery at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from connectors.base import Connector, ConnectorError, Delivery, MalformedDelivery, NotOnStore
from syncbot import metrics
from syncbot.intake.errors import describe
from syncbot.ledger import LedgerError
from syncbot.ledger.errors import InvalidMovement
from syncbot.ledger.orders import OrderEvent
from syncbot.store import inbox
from syncbot.store.balance_rows import lock_skus
from syncbot.store.errors import STORE_ERRORS, refused_value
from syncbot.store.inbox import InboxDelivery
from syncbot.store.orders import UnstorableOrder, record_order_event

log = logging.getLogger(__name__)

BATCH = 100
"""Deliveries one sweep tries before the loop looks again (at least one claim's worth)."""
CLAIM = 50
"""The default of `SYNCBOT_INTAKE_BATCH`: deliveries claimed, and reconciled in one
transaction, at once. Small enough that a lease covers the whole claim's work."""
_FINAL = (MalformedDelivery, UnstorableOrder, InvalidMovement)
_FAILED = "failed in the batch"


class IntakeProcessor:
    def __init__(
        self,
        connectors: Mapping[str, Connector],
        *,
        clock: Callable[[], datetime] = inbox.now,
        lease: timedelta = inbox.LEASE,
        batch: int = CLAIM,
    ) -> None:
        self._connectors = connectors
        self._clock = clock
        self._lease = lease
        self._batch = batch
        self.sweep = max(BATCH, batch)
        """What `process_pending` tries by default: the loop sweeps again while it is full."""

    async def process_pending(self, limit: int | None = None) -> int:
        """Processes up to `limit` (default `sweep`) due deliveries this process could
        claim; returns how many it tried. Rows another process holds, or waiting for a
        retry, are left."""
        limit = self.sweep if limit is None else limit
        tried = 0
        while tried < limit:
            rows = await inbox.claim(min(self._batch, limit - tried), self._clock(), self._lease)
            if not rows:
                break
            await self._process_batch(rows)
            tried += len(rows)
        return tried

    async def _process_batch(self, rows: Sequence[InboxDelivery]) -> None:
        """Parses each row, then reconciles and closes them all in one transaction."""
        parsed: list[tuple[InboxDelivery, Sequence[OrderEvent]]] = []
        for row in rows:
            try:
                parsed.append((row, await self._parse(row)))
            except Exception as error:  # sorted out per row by `_settle_failure`
                await self._settle_failure(row, error)
        if not parsed:
            return
        closed: dict[str, list[InboxDelivery]] = {inbox.APPLIED: [], inbox.IGNORED: []}
        alone: list[InboxDelivery] = []
        try:
            async with in_transaction() as connection:
                skus = {line.sku for _, events in parsed for e in events for line in e.lines}
                await lock_skus(connection, skus)
                for row, events in parsed:
                    outcome = await self._apply(row, events)
                    if outcome is None:
                        alone.append(row)
                    elif outcome != _FAILED:
                        closed[outcome].append(row)
                for status, done in closed.items():
                    await self._close_all(done, status)
        except Exception:
            log.exception("a batch of %d deliveries rolled back: trying each alone", len(parsed))
            closed, alone = {}, [row for row, _ in parsed]
        for status, done in closed.items():
            for row in done:
                self._count(row, status)
        for row in alone:
            await self._process(row)

    async def _apply(self, row: InboxDelivery, events: Sequence[OrderEvent]) -> str | None:
        """Inside the batch: records the row's events, each in its own savepoint; the
        status to close the row with, `_FAILED` when it was failed for good here, or None
        when it must be tried alone (of its try, only the events that succeeded are
        kept, and a second try finds them applied)."""
        try:
            for event in events:
                await record_order_event(row.channel, event)
        except _FINAL as error:
            await self._fail(row, str(error), self._context(row), final=True)
            return _FAILED
        except STORE_ERRORS as error:
            if not refused_value(error):
                return None
            refusal = f"the store cannot hold a value: {error}"
            await self._fail(row, refusal, self._context(row), final=True)
            return _FAILED
        except Exception:  # tried alone, where it is counted and logged
            return None
        return inbox.APPLIED if events else inbox.IGNORED

    async def _close_all(self, rows: list[InboxDelivery], status: str) -> None:
        if rows and (closed := await inbox.close_all(rows, status, self._clock())) < len(rows):
            log.warning(
                "%d of %d deliveries were skipped or taken by another process meanwhile",
                len(rows) - closed,
                len(rows),
            )

    def _count(self, row: InboxDelivery, status: str) -> None:
        """Metrics for a row closed by a committed batch."""
        if status == inbox.IGNORED:
            metrics.WEBHOOKS_IGNORED.labels(row.channel, row.topic).inc()
        else:
            metrics.WEBHOOKS_PROCESSED.labels(row.channel, row.topic).inc()

    @staticmethod
    def _context(row: InboxDelivery) -> dict[str, object]:
        return {"delivery": row.id, "channel": row.channel, "topic": row.topic}

    async def _process(self, row: InboxDelivery) -> None:
        """One delivery alone, each event in its own transaction: the path of a row a
        batch could not settle."""
        try:
            status = await self._apply_alone(row)
        except Exception as error:  # sorted out per row by `_settle_failure`
            await self._settle_failure(row, error)
        else:
            if await self._close(row, status):
                self._count(row, status)

    async def _settle_failure(self, row: InboxDelivery, error: Exception) -> None:
        """Closes or counts a failed try by what failed (the table in the module's doc)."""
        context = self._context(row)
        if isinstance(error, NotOnStore):
            metrics.WEBHOOKS_NOT_FOUND.labels(row.channel, row.topic).inc()
            log.warning("delivery names nothing on the store: %s", error, extra=context)
            await self._close(row, inbox.NOT_FOUND, str(error))
        elif isinstance(error, _FINAL):
            await self._fail(row, str(error), context, final=True)
        elif isinstance(error, LedgerError | OSError | ConnectorError):  # a retry may succeed
            await self._fail(row, str(error), context)
        elif isinstance(error, STORE_ERRORS) and refused_value(error):
            await self._fail(row, f"the store cannot hold a value: {error}", context, final=True)
        elif isinstance(error, STORE_ERRORS):  # locked, disconnected, a lost race
            await self._fail(row, f"database error: {error}", context)
        else:
            log.error(
                "delivery %s not processed: bug in processing",
                row.id,
                extra=context,
                exc_info=(type(error), error, error.__traceback__),
            )
            await self._fail(row, describe(error), context)

    async def _parse(self, row: InboxDelivery) -> Sequence[OrderEvent]:
        connector = self._connectors.get(row.channel)
        if connector is None:
            raise ConnectorError(f"channel {row.channel!r} is no longer configured")
        delivery = Delivery(row.event_id, row.topic, row.headers)
        return await connector.parse(delivery, row.body)

    async def _apply_alone(self, row: InboxDelivery) -> str:
        events = await self._parse(row)
        for event in events:
            await record_order_event(row.channel, event)
        return inbox.APPLIED if events else inbox.IGNORED

    async def _close(self, row: InboxDelivery, status: str, reason: str | None = None) -> bool:
        if await inbox.close(row, status, self._clock(), reason):
            return True
        log.warning("delivery %s was skipped or taken by another process meanwhile", row.id)
        return False

    async def _fail(
        self,
        row: InboxDelivery,
        error: str,
        context: dict[str, object],
        *,
        final: bool = False,
    ) -> None:
        outcome = "final" if final or row.attempts + 1 >= inbox.MAX_ATTEMPTS else "retry"
        metrics.WEBHOOKS_FAILED.labels(row.channel, outcome).inc()
        log.warning("delivery not processed (%s): %s", outcome, error, extra=context)
        if not await inbox.fail(row, error, self._clock(), final=final):
            log.warning("delivery %s was skipped or taken by another process meanwhile", row.id)
