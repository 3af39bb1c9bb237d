"""The event loop every syncbot process runs on: libuv's (uvloop) where it is installed.

`serve` has run on it since uvicorn picks it up by itself; the worker and the other
commands ran on asyncio's own loop, which costs more CPU per socket call: a posting sends
four statements, and at one client the worker's posting took 0.80-0.96 ms of its
process's CPU on uvloop against 0.98-1.07 ms on asyncio's loop, interleaved
(bench/posting_cpu.py, 4 December). Where uvloop is absent (Windows), asyncio's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # not installed on this platform: asyncio's own loop
    new_loop: Callable[[], asyncio.AbstractEventLoop] | None = None
else:
    new_loop = uvloop.new_event_loop


def run(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the fastest loop available."""
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(work)
