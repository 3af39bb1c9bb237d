"""Test helpers the connectors' fakes need, importable by users too: waiting on a condition
in a thread, and serving a fake storefront over real HTTP on a local socket.

`syncbot.testing` re-exports these beside its coroutine twin of `wait_until`, `eventually`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
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
            raise NeverHappened(f"not within {timeout:g} s: {what or name_of(predicate)}")
        time.sleep(interval)


def name_of(predicate: Callable[..., object]) -> str:
    """What a failed wait names when the caller did not say what it awaited."""
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
