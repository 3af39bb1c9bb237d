"""The middleware in front of every route: the body limit, and request metrics."""

from __future__ import annotations

import time
from functools import cache

from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syncbot import metrics
from syncbot.web.errors import error


class BodyLimit:
    """Answers 413 before the app runs when a request body is larger than the limit.

    The body is read here, counted chunk by chunk (a chunked upload has no Content-Length)
    and replayed to the app, so no parser ever sees more than `max_body_bytes`.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send, more_body=True)
            return
        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: there is no one to answer
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            more_body = message.get("more_body", False)
            if size > self.max_body_bytes:
                await self._refuse(scope, receive, send, more_body=more_body)
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body, only http.disconnect can come
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, *, more_body: bool) -> None:
        if more_body:  # after the last chunk, receive() would wait for the disconnect
            await _drain(receive, DRAIN_BYTES)
        message = f"the request body is larger than the limit of {self.max_body_bytes} bytes"
        # A body beyond the drain stays unread, so the connection cannot serve another one.
        response = error(413, message, headers={"Connection": "close"})
        await response(scope, receive, send)


DRAIN_BYTES = 4 * 1024 * 1024
"""How much of a refused body is read and dropped before the 413. Closing a socket with
unread bytes makes the kernel send a reset, which a client still uploading sees as
"connection reset" instead of the 413; past this much, a hostile upload gets just that."""


async def _drain(receive: Receive, limit: int) -> None:
    """Reads and drops the rest of a request body, up to `limit` bytes."""
    drained = 0
    while drained <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class RequestMetrics:
    """Counts requests by route template (not raw path, which would explode the labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client sees if the app raises before it answers

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_status)
        finally:
            # The router stores the matched route in the scope; no match means 404 or 413.
            route = getattr(scope.get("route"), "path", "unmatched")
            latency, answered = _series(scope["method"], route, status)
            latency.observe(time.perf_counter() - started)
            answered.inc()


@cache
def _series(method: str, route: str, status: int) -> tuple[Histogram, Counter]:
    """A request's latency and count series. `labels()` checks the values and takes a lock
    on every call, most of what a request's metrics cost; a series, once made, stays."""
    latency = metrics.HTTP_LATENCY.labels(method, route)
    return latency, metrics.HTTP_REQUESTS.labels(method, route, str(status))
