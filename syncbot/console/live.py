"""Live updates: `GET /events`, a Server-Sent Events stream that says `change` whenever
something the overview shows has changed, in this process or any other (the worker, the CLI).

Changes are seen in the database, not in this process's memory: ONE poller per process reads
a cheap fingerprint (`app.overview.fingerprint`: newest ids and attention counts, each an
indexed read) every POLL_SECONDS while at least one stream is open, and wakes every open
stream. So a thousand browsers cost one query per half second, and none when nobody looks.

A stream sends `retry: 2000` first (the browser reconnects 2 s after a drop), a `: keep-alive`
comment every KEEPALIVE_SECONDS (so proxies keep it open), and ends when its session ends
(checked every SESSION_CHECK_SECONDS) or when the server stops: `stop_streams` is called by
`syncbot serve` on SIGTERM, since uvicorn waits for open responses before it shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from syncbot.app import overview, sessions
from syncbot.console.pages import SECURITY_HEADERS, SESSION_COOKIE, Console

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0
MAX_STREAMS = 100
RETRY_MILLISECONDS = 2000
WATCH_TIMEOUT_SECONDS = 5.0

log = logging.getLogger(__name__)

_STOP = object()
_TICK = object()
_hubs: weakref.WeakSet[Hub] = weakref.WeakSet()
# Reentrant: stop_streams runs in a signal handler, which may interrupt its own thread.
_hubs_lock = threading.RLock()


class Full(Exception):
    """MAX_STREAMS streams are open already in this process."""


class Stopping(Exception):
    """The server is stopping: no new stream."""


class Hub:
    """The process's one poller and the streams it wakes, each through its own queue."""

    def __init__(self) -> None:
        # Read when the app is built, so a test can shorten them first.
        self.poll_seconds = POLL_SECONDS
        self.max_streams = MAX_STREAMS
        self.keepalive_seconds = KEEPALIVE_SECONDS
        self.session_check_seconds = SESSION_CHECK_SECONDS
        self.stopping = False
        self._queues: set[asyncio.Queue[object]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Set once the poller has read its first fingerprint: a change after that is seen.
        self.watching = asyncio.Event()
        with _hubs_lock:
            _hubs.add(self)

    @property
    def streams(self) -> int:
        return len(self._queues)

    def subscribe(self) -> asyncio.Queue[object]:
        """A queue that receives None at each change and _STOP when the server stops."""
        if self.stopping:
            raise Stopping
        if len(self._queues) >= self.max_streams:
            raise Full
        queue: asyncio.Queue[object] = asyncio.Queue(maxsize=1)
        self._queues.add(queue)
        self._loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done():
            self.watching = asyncio.Event()
            self._poller = asyncio.create_task(self._poll(), name="syncbot-live-poller")
        return queue

    def unsubscribe(self, queue: asyncio.Queue[object]) -> None:
        self._queues.discard(queue)

    def stop(self) -> None:
        """Ends every stream (in the loop's thread)."""
        self.stopping = True
        self.watching.set()  # a stream still waiting for the first read goes on to its end
        for queue in list(self._queues):
            _put(queue, _STOP, replace=True)
        if self._poller is not None:
            self._poller.cancel()

    def stop_threadsafe(self) -> None:
        self.stopping = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.stop)

    def _wake_all(self) -> None:
        for queue in list(self._queues):
            _put(queue, None)

    async def _poll(self) -> None:
        """Reads the fingerprint while anyone listens; wakes every stream when it moves."""
        last: Any = None
        while self._queues and not self.stopping:
            try:
                now = await overview.fingerprint()
            except Exception:  # a database hiccup must not end the live updates for good
                log.warning("live updates: reading the fingerprint failed", exc_info=True)
                now = last
            if last is not None and now != last:
                self._wake_all()
            last = now
            if last is not None:
                self.watching.set()
            await asyncio.sleep(self.poll_seconds)


def _put(queue: asyncio.Queue[object], item: object, *, replace: bool = False) -> None:
    """One pending wake-up per stream is enough: a change not yet sent covers the next."""
    if replace:
        while not queue.empty():
            queue.get_nowait()
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(item)


def stop_streams() -> None:
    """Ends every open stream of this process; safe from a signal handler or any thread."""
    with _hubs_lock:
        hubs = list(_hubs)
    for hub in hubs:
        hub.stop_threadsafe()


async def _events(hub: Hub, queue: asyncio.Queue[object], cookie: str) -> AsyncIterator[str]:
    checked = time.monotonic()
    try:
        # The first line waits for the poller's first read, so that whatever changes after
        # a browser (or a test) has heard from the stream is reported.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.watching.wait(), WATCH_TIMEOUT_SECONDS)
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        while True:
            wait = min(
                hub.keepalive_seconds,
                max(0.0, checked + hub.session_check_seconds - time.monotonic()),
            )
            try:
                item = await asyncio.wait_for(queue.get(), timeout=max(wait, 0.01))
            except TimeoutError:
                item = _TICK  # nothing happened: a keep-alive, or a session check
            if item is _STOP:
                return
            if time.monotonic() - checked >= hub.session_check_seconds:
                # Signed out, expired or disabled: this browser stops hearing about changes.
                if await sessions.session_of(cookie) is None:
                    return
                checked = time.monotonic()
            yield "event: change\ndata: {}\n\n" if item is None else ": keep-alive\n\n"
    finally:
        hub.unsubscribe(queue)


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    hub = Hub()

    @router.get("/events")
    async def events(request: Request) -> Response:
        """The change stream, for a signed-in user of any role; 401 without a session
        (EventSource cannot follow a sign-in redirect), 503 when too many are open."""
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if await sessions.session_of(cookie) is None:
            return PlainTextResponse("sign in first", status_code=401, headers=SECURITY_HEADERS)
        try:
            queue = hub.subscribe()
        except Full:
            return PlainTextResponse(
                f"{hub.max_streams} live streams are open: try again shortly",
                status_code=503,
                headers={**SECURITY_HEADERS, "Retry-After": "10"},
            )
        except Stopping:
            return PlainTextResponse(
                "the server is stopping",
                status_code=503,
                headers={**SECURITY_HEADERS, "Retry-After": "5"},
            )
        return StreamingResponse(
            _events(hub, queue, cookie),
            media_type="text/event-stream",
            headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"},
        )

    return router
