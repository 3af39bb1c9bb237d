"""The intake loop: processes stored deliveries at start, then whenever woken or a retry
falls due. Processing one delivery is `intake.processor`'s; this only decides when.

In `syncbot serve` the webhook route wakes the loop after each stored delivery. A process
that stores none (`syncbot worker`, beside `serve --no-intake`) is never woken, so it polls
the inbox every `poll_seconds` instead.

A sweep runs in `lanes` at once: each claims and reconciles its own batches (the claim
skips rows another holds, as between processes), so one batch is parsed and its rules
judged in Python while another's statements run in PostgreSQL. One lane left the process
idle half the time it drained a backlog, waiting for the database (docs/benchmarks.md,
Flash sale). Batches lock their rows in one order, so lanes queue on hot SKUs' rows but
never deadlock; SQLite, which has one writer, gets one lane."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from syncbot.intake.processor import IntakeProcessor
from syncbot.store import inbox

log = logging.getLogger(__name__)

IDLE_SECONDS = 30.0  # a sweep without a wake-up, for leases left by a process that died
MIN_WAIT_SECONDS = 0.1
# After a failed sweep a polling loop waits this long, not `poll_seconds`: a database that
# went away costs a logged traceback every few seconds rather than four a second.
RETRY_POLL_SECONDS = 5.0


class IntakeLoop:
    def __init__(
        self,
        processor: IntakeProcessor,
        *,
        clock: Callable[[], datetime] = inbox.now,
        poll_seconds: float | None = None,
        lanes: int = 1,
    ) -> None:
        """`poll_seconds`: the longest the loop waits between sweeps, for a process that
        nothing wakes; None waits for a wake-up, a retry falling due or IDLE_SECONDS.
        `lanes`: batches worked at once."""
        self.processor = processor
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._lanes = lanes
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a delivery is stored: process it now rather than at the next sweep."""
        self._wake.set()

    async def run(self) -> None:
        """Processes the backlog at start, then whenever woken, a retry falls due or the
        poll interval has passed."""
        try:
            freed = await inbox.release_stale_claims()
        except Exception:  # the database went away, say: the leases run out anyway
            log.exception("could not free the claims a dead process left")
        else:
            if freed:
                log.warning("freed %d deliveries claimed by a process that died", freed)
        while True:
            self._wake.clear()
            try:
                # One lane while deliveries trickle in; the others join once a sweep
                # comes back full, a backlog: a wake-up for one delivery claims once.
                if await self.processor.process_pending() == self.processor.sweep:
                    async with asyncio.TaskGroup() as lanes:  # one failing stops the others
                        for _ in range(self._lanes):
                            lanes.create_task(self._sweep())
                wait = await self._until_next_due()
                if self._poll_seconds is not None:
                    wait = min(wait, self._poll_seconds)
            except Exception:  # the database went away, say: log it, keep the loop alive
                log.exception("intake sweep failed; retrying at the next one")
                wait = IDLE_SECONDS
                if self._poll_seconds is not None:
                    wait = max(self._poll_seconds, RETRY_POLL_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _sweep(self) -> None:
        """One lane: batches until a sweep finds less than a full one."""
        while await self.processor.process_pending() == self.processor.sweep:
            pass

    async def _until_next_due(self) -> float:
        due = await inbox.next_due()
        if due is None:
            return IDLE_SECONDS
        seconds = (due - self._clock()).total_seconds()
        return min(IDLE_SECONDS, max(MIN_WAIT_SECONDS, seconds))
