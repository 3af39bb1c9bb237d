"""Turns stored deliveries into ledger postings, off the request path and after commit.

When to process is `runtime.intake`'s loop; this processes what it is handed.

Processing is safe to repeat: reconciliation is state-based and return lines apply once,
so a delivery processed twice (a crash before it was marked, or a lease that ran out
mid-try) posts nothing the second time.

No delivery can stop the others. Every error of one try is caught for that row alone:

    NotOnStore                       closed as not_found, with the connector's reason
    MalformedDelivery, UnstorableOrder,
    InvalidMovement, a value the
    database refuses (DataError)     failed at once: the same payload can never succeed
    LedgerError, ConnectorError,
    OSError, other database errors   one try counted, retried after a growing wait
    anything else                    a bug: logged with its traceback, retried the same way
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from connectors.base import Connector, ConnectorError, Delivery, MalformedDelivery, NotOnStore
from syncbot import metrics
from syncbot.intake.errors import describe
from syncbot.ledger import LedgerError
from syncbot.ledger.errors import InvalidMovement
from syncbot.store import inbox
from syncbot.store.errors import STORE_ERRORS, refused_value
from syncbot.store.inbox import InboxDelivery
from syncbot.store.orders import UnstorableOrder, record_order_event

log = logging.getLogger(__name__)

BATCH = 100
CLAIM = 10  # rows claimed at once: small, so a lease covers the whole claim's work


class IntakeProcessor:
    def __init__(
        self,
        connectors: Mapping[str, Connector],
        *,
        clock: Callable[[], datetime] = inbox.now,
        lease: timedelta = inbox.LEASE,
    ) -> None:
        self._connectors = connectors
        self._clock = clock
        self._lease = lease

    async def process_pending(self, limit: int = BATCH) -> int:
        """Processes up to `limit` due deliveries this process could claim; returns how
        many it tried. Rows another process holds, or waiting for a retry, are left."""
        tried = 0
        while tried < limit:
            rows = await inbox.claim(min(CLAIM, limit - tried), self._clock(), self._lease)
            for row in rows:
                await self._process(row)
            tried += len(rows)
            if not rows:
                break
        return tried

    async def _process(self, row: InboxDelivery) -> None:
        context = {"delivery": row.id, "channel": row.channel, "topic": row.topic}
        try:
            status = await self._apply(row)
        except NotOnStore as error:
            metrics.WEBHOOKS_NOT_FOUND.labels(row.channel, row.topic).inc()
            log.warning("delivery names nothing on the store: %s", error, extra=context)
            await self._close(row, inbox.NOT_FOUND, str(error))
        except (MalformedDelivery, UnstorableOrder, InvalidMovement) as error:
            await self._fail(row, str(error), context, final=True)
        except (LedgerError, OSError, ConnectorError) as error:  # a retry may succeed
            await self._fail(row, str(error), context)
        except STORE_ERRORS as error:
            if refused_value(error):
                refusal = f"the store cannot hold a value: {error}"
                await self._fail(row, refusal, context, final=True)
            else:  # locked, disconnected, a lost race: another try may succeed
                await self._fail(row, f"database error: {error}", context)
        except Exception as error:
            log.exception("delivery %s not processed: bug in processing", row.id, extra=context)
            await self._fail(row, describe(error), context)
        else:
            await self._close(row, status)

    async def _apply(self, row: InboxDelivery) -> str:
        connector = self._connectors.get(row.channel)
        if connector is None:
            raise ConnectorError(f"channel {row.channel!r} is no longer configured")
        delivery = Delivery(row.event_id, row.topic, row.headers)
        events = await connector.parse(delivery, row.body)
        if not events:
            metrics.WEBHOOKS_IGNORED.labels(row.channel, row.topic).inc()
            return inbox.IGNORED
        for event in events:
            await record_order_event(row.channel, event)
        metrics.WEBHOOKS_PROCESSED.labels(row.channel, row.topic).inc()
        return inbox.APPLIED

    async def _close(self, row: InboxDelivery, status: str, reason: str | None = None) -> None:
        if not await inbox.close(row, status, self._clock(), reason):
            log.warning("delivery %s was skipped or taken by another process meanwhile", row.id)

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
