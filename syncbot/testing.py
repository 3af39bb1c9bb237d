"""Test helpers that users can import too: waiting on a condition, serving a fake on a socket.

Tests wait on conditions, never for a fixed time: `wait_until` (in a thread or a plain
test) and `eventually` (in a coroutine) poll a predicate and fail, naming what was awaited,
once the timeout has passed. `wait_until` and `serve_in_thread` live in `connectors.testing`,
since the storefront fakes serve themselves with them; they are re-exported here.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.testing import POLL_SECONDS, name_of
from connectors.testing import NeverHappened as NeverHappened
from connectors.testing import serve_in_thread as serve_in_thread
from connectors.testing import wait_until as wait_until

T = TypeVar("T")


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
            raise NeverHappened(f"not within {timeout:g} s: {what or name_of(predicate)}")
        await asyncio.sleep(interval)
