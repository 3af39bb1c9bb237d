"""The intake loop: processes stored deliveries at start, then whenever woken or a retry
falls due. Processing one delivery is `intake.processor`'s; this only decides when."""

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


class IntakeLoop:
    def __init__(
        self, processor: IntakeProcessor, *, clock: Callable[[], datetime] = inbox.now
    ) -> None:
        self.processor = processor
        self._clock = clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a delivery is stored: process it now rather than at the next sweep."""
        self._wake.set()

    async def run(self) -> None:
        """Processes the backlog at start, then whenever woken or a retry falls due."""
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
                while await self.processor.process_pending() == self.processor.sweep:
                    pass
                wait = await self._until_next_due()
            except Exception:  # the database went away, say: log it, keep the loop alive
                log.exception("intake sweep failed; retrying at the next one")
                wait = IDLE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _until_next_due(self) -> float:
        due = await inbox.next_due()
        if due is None:
            return IDLE_SECONDS
        seconds = (due - self._clock()).total_seconds()
        return min(IDLE_SECONDS, max(MIN_WAIT_SECONDS, seconds))
