"""Test helpers that users can import too: waiting on a condition, serving a fake on a socket.

Tests wait on conditions, never for a fixed time: `wait_until` (in a thread or a plain
test) and `eventually` (in a coroutine) poll a predicate and fail, naming what was awaited,
once the timeout has passed.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from starlette.types import ASGIApp

T = TypeVar("T")
POLL_SECONDS = 0.02


class NeverHappened(AssertionError):
    """A condition did not hold within its timeout; the message says which."""


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float = 5.0,
    what: str = "",
    interval: float = POLL_SECONDS,
) -> T:
    """Polls `predicate` until it returns something truthy, and returns that."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise NeverHappened(f"not within {timeout:g} s: {what or _name(predicate)}")
        time.sleep(interval)


async def eventually(
    predicate: Callable[[], T | Awaitable[T | None] | None],
    timeout: float = 5.0,  # noqa: ASYNC109  # a polling deadline: a predicate is never cut off
    what: str = "",
    interval: float = POLL_SECONDS,
) -> T:
    """`wait_until` for coroutines: the predicate may be async; the event loop keeps running."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise NeverHappened(f"not within {timeout:g} s: {what or _name(predicate)}")
        await asyncio.sleep(interval)


def _name(predicate: Callable[..., object]) -> str:
    return getattr(predicate, "__name__", repr(predicate))


@contextmanager
def serve_in_thread(app: ASGIApp, name: str) -> Iterator[str]:
    """Serves `app` on a free 127.0.0.1 port in a thread; yields its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=name)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), 30, f"{name} started")
    if not server.started:
        raise RuntimeError(f"{name} did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
