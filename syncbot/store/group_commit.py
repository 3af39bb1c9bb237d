"""Group commit: requests that arrive while one transaction is in flight share the next.

A posting's transaction costs the same few round trips and one commit whether it records
one posting or fifty, and concurrent postings to one SKU queue on its locked rows anyway:
sixteen callers posting to one SKU each wait for the fifteen transactions ahead of them.
So a process runs one posting transaction at a time. A request that finds none in flight
runs at once, alone, in its caller's task: nothing is added to the lone caller's path.
Requests that arrive meanwhile wait, and when it ends they go together in one
transaction, as many as `fits` admits, then the next lot, until none is waiting.

Together they are all-or-nothing: when the shared transaction fails (one request's
posting is refused, or its key was taken by a twin) nothing of it was written, and each
of its requests is run again alone, so each caller gets exactly the answer it would have
had without company. A caller answered from a shared transaction has its posting
committed, as a lone caller does.

The lots run in a task of their own, not in a caller's: a caller that gives up waiting
(cancelled) cannot take the others' transaction down with it. Its request still runs if
it had been taken into a lot, as a posting whose COMMIT was already sent would have.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


@dataclass(eq=False)
class _Loop(Generic[Request, Result]):
    """One event loop's state: whether a transaction is in flight, and who waits."""

    busy: bool = False
    waiting: list[tuple[Request, asyncio.Future[Result]]] = field(default_factory=list)
    drain: asyncio.Task[None] | None = None
    """The task running the waiting lots: held here, as the event loop keeps only a weak
    reference to a task and could collect it mid-run."""


class GroupCommit(Generic[Request, Result]):
    """Runs `alone(request)` when nothing is in flight, and `together(requests)` (one
    result per request, in order, or an exception for all) for the requests that waited.
    `fits(lot, request)` says whether a request may join a lot (no second use of one
    idempotency key, a bound on the size); a lot always takes its first request."""

    def __init__(
        self,
        alone: Callable[[Request], Awaitable[Result]],
        together: Callable[[list[Request]], Awaitable[list[Result]]],
        fits: Callable[[list[Request], Request], bool],
    ) -> None:
        self._alone = alone
        self._together = together
        self._fits = fits
        # Per event loop: a test suite runs many loops, and futures belong to one.
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Loop[Request, Result]]
        self._loops = weakref.WeakKeyDictionary()

    async def submit(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop()
        if not state.busy:
            state.busy = True
            try:
                return await self._alone(request)
            finally:
                self._hand_over(state)
        future: asyncio.Future[Result] = loop.create_future()
        state.waiting.append((request, future))
        return await future

    def waiting(self) -> int:
        """How many requests wait in this loop (for tests)."""
        state = self._loops.get(asyncio.get_running_loop())
        return 0 if state is None else len(state.waiting)

    def _hand_over(self, state: _Loop[Request, Result]) -> None:
        if state.waiting:
            state.drain = asyncio.get_running_loop().create_task(self._drain(state))
        else:
            state.busy = False

    async def _drain(self, state: _Loop[Request, Result]) -> None:
        lot: list[tuple[Request, asyncio.Future[Result]]] = []
        try:
            while lot := self._take(state):
                await self._run(lot)
        except BaseException:
            # Only a cancelled task (the loop shutting down) gets here: `_run` answers
            # every request it takes. Its lot and the ones still waiting are cancelled.
            for _, future in [*lot, *state.waiting]:
                future.cancel()
            state.waiting.clear()
            raise
        finally:
            state.busy = False
            state.drain = None

    def _take(self, state: _Loop[Request, Result]) -> list[tuple[Request, asyncio.Future[Result]]]:
        """The next lot, in arrival order; a request that does not fit waits for the next."""
        lot: list[tuple[Request, asyncio.Future[Result]]] = []
        left: list[tuple[Request, asyncio.Future[Result]]] = []
        for request, future in state.waiting:
            if future.cancelled():  # its caller stopped waiting before it was taken
                continue
            if not lot or self._fits([r for r, _ in lot], request):
                lot.append((request, future))
            else:
                left.append((request, future))
        state.waiting = left
        return lot

    async def _run(self, lot: list[tuple[Request, asyncio.Future[Result]]]) -> None:
        if len(lot) > 1:
            try:
                results = await self._together([request for request, _ in lot])
            except Exception:  # each is answered alone below, with its own error
                pass
            else:
                for (_, future), result in zip(lot, results, strict=True):
                    if not future.done():
                        future.set_result(result)
                return
        for request, future in lot:
            try:
                result = await self._alone(request)
            except Exception as error:  # it is its caller's to handle
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(result)
