"""Turns stored deliveries into ledger postings, off the request path and after commit.

When to process is `runtime.intake`'s loop; this processes what it is handed.

Deliveries are claimed in batches that follow the load: a claim takes what is due, up to
`batch` (`SYNCBOT_INTAKE_BATCH`), so an idle service works one delivery at a time and a
burst goes in batches. Each batch is parsed first, outside any transaction (a connector
may read the order back from the storefront), then reconciled in one transaction: the
orders are reconciled together (`store.orders.reconcile_all`: each step one round trip
for the whole batch, taking its locks in the same order as a single order's posting, so
the two never deadlock) and the deliveries closed, and one commit covers what used to
take two per delivery.

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

In a batch, the ledger's rules judge each order before anything is written, so an order
they refuse is left out alone: failed in the batch when it can never succeed, otherwise
tried again on its own after the batch commits, where the rules above count its try. An
error of the database (a value it refuses, a line at an unknown location, a deadlock with
another process) rolls the whole batch back, and each delivery is then tried alone, in
its own transaction, where it is settled by the table above. Savepoints would isolate
such an order inside the batch, but at two round trips per order on every batch, for a
failure that is rare; the fallback costs only when it happens.
"""

from __future__ import annotations

import asyncio
import logging
import time
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
from syncbot.store.errors import STORE_ERRORS, refused_value
from syncbot.store.inbox import InboxDelivery
from syncbot.store.orders import (
    TURN,
    Reconcile,
    UnstorableOrder,
    reconcile_all,
    record_order_event,
    refuse_unstorable,
)
from syncbot.store.recording import PostingResult, count_posting

log = logging.getLogger(__name__)

BATCH = 100
"""Deliveries one sweep tries before the loop looks again (at least one claim's worth)."""
CLAIM = 1000
"""The default of `SYNCBOT_INTAKE_BATCH`: deliveries claimed, and reconciled in one
transaction, at once. In a flash sale on two vCPUs, one `serve` posted 1,300 orders a
second at 50, about 1,900 at 200 and 2,200 at 500; a worker with two lanes 2,600-2,800 at
500 and 2,850-3,000 at 1,000 (docs/benchmarks.md). The batch's transaction then holds
its SKUs' rows for a few tenths of a second. A claim whose read-backs run slow gives back
what it has not read (`_parse_all`)."""
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
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connectors = connectors
        self._clock = clock
        self._lease = lease
        self._timer = timer
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
            tried += await self._process_batch(rows)
        return tried

    async def _process_batch(self, rows: Sequence[InboxDelivery]) -> int:
        """Parses each row, then reconciles and closes them all in one transaction;
        returns how many it tried (not those given back)."""
        parsed, tried = await self._parse_all(rows)
        if not parsed:
            return tried
        closed: dict[str, list[InboxDelivery]] = {inbox.APPLIED: [], inbox.IGNORED: []}
        alone: list[InboxDelivery] = []
        posted: list[PostingResult] = []
        try:
            async with in_transaction() as connection:
                wanted = [
                    Reconcile(row.channel, event.order_id, event)
                    for row, events in parsed
                    for event in events
                ]
                outcomes = iter(await reconcile_all(connection, wanted))
                for row, events in parsed:
                    mine = [next(outcomes) for _ in events]
                    if refusal := next((o for o in mine if isinstance(o, Exception)), None):
                        # Its events that succeeded are kept: a second try finds them applied.
                        if isinstance(refusal, _FINAL):
                            await self._fail(row, str(refusal), self._context(row), final=True)
                        else:  # tried alone, where it is counted and logged
                            alone.append(row)
                        continue
                    posted += [o for o in mine if isinstance(o, PostingResult)]
                    closed[inbox.APPLIED if events else inbox.IGNORED].append(row)
                for status, done in closed.items():
                    await self._close_all(done, status)
        except Exception:
            log.exception("a batch of %d deliveries rolled back: trying each alone", len(parsed))
            closed, alone, posted = {}, [row for row, _ in parsed], []
        for result in posted:
            count_posting(result)
        for status, done in closed.items():
            for row in done:
                self._count(row, status)
        for row in alone:
            await self._process(row)
        return tried

    async def _parse_all(
        self, rows: Sequence[InboxDelivery]
    ) -> tuple[list[tuple[InboxDelivery, Sequence[OrderEvent]]], int]:
        """Each row's events, read in turn, and how many rows were tried. A connector that
        reads orders back from its storefront may take seconds a row: once half the lease
        is spent, the rows not yet read are given back, due at once, so the claim is
        settled well inside its lease (past it, another process could take the same rows
        and do their work again)."""
        parsed: list[tuple[InboxDelivery, Sequence[OrderEvent]]] = []
        deadline = self._timer() + self._lease.total_seconds() / 2
        for index, row in enumerate(rows):
            if index and index % TURN == 0:  # parsing is Python too: `orders.TURN`
                await asyncio.sleep(0)
            if self._timer() > deadline:
                released = await inbox.release(rows[index:])
                log.info("gave back %d deliveries not read within half the lease", released)
                return parsed, index
            try:
                parsed.append((row, self._storable(await self._parse(row))))
            except Exception as error:  # sorted out per row by `_settle_failure`
                await self._settle_failure(row, error)
        return parsed, len(rows)

    @staticmethod
    def _storable(events: Sequence[OrderEvent]) -> Sequence[OrderEvent]:
        """Refuses, before anything is written, a delivery naming an id the store cannot
        hold (`record_order_event` checks the same for a delivery tried alone)."""
        for event in events:
            refuse_unstorable(event)
        return events

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
