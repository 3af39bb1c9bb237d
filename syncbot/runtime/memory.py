"""The garbage collector, tuned for a long-running process once it has started.

CPython's full collection walks every object the collector tracks, and a started service
holds a few hundred thousand that live as long as the process: modules, the ORM's and
the web framework's metadata, compiled templates. Each full collection stopped the event
loop for tens of milliseconds: in a flash sale, they were the slowest webhook answers
(bench/flash_sale.py at 200 deliveries/s: p99 84 ms with the collector as it comes,
8 ms with these settings). So, once started, those objects are frozen out of the
collector's sight (`gc.freeze`, as Instagram's Django servers do), and the youngest
generation is collected every 20,000 allocations instead of 700, so collections come
less often and walk fewer objects. Cycles made later are still collected.

Only the processes call this (`serve`, `worker`), never the app: a test process builds
many apps, and freezing each one's objects would keep its cycles for good.
"""

from __future__ import annotations

import gc

THRESHOLDS = (20_000, 50, 100)
"""Allocations before a young collection; young collections before a middle one; middle
ones before a full one (CPython's defaults: 700, 10, 10)."""


def tune_after_start() -> None:
    """Collects what start-up left behind, freezes the rest, and collects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
