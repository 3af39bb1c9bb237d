"""Part 3 of bench/faults.py: a storm of HTTP 429 and THROTTLED while stock keeps changing.

For `seconds`, the fake shop answers a share of calls 429 with a Retry-After of 1 to 3 s,
and another share THROTTLED with its bucket emptied, while receipts and damages arrive
through the API. Counted: calls that arrived before a Retry-After had elapsed (the target
is 0), THROTTLED answers the emptied bucket gave on its own (calls made before it could
have refilled), and the seconds from the end of the storm until every listing shows what
syncbot publishes.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx
from faults_kills import converged
from faults_service import API_TOKEN, Database, Service, wait_for
from faults_shopify import RecordingShopify, Storm


@dataclass
class StormFigures:
    seconds: float = 0.0
    calls: int = 0
    rate_limited: int = 0
    throttled: int = 0
    early_calls: int = 0
    throttled_early: int = 0
    changes: int = 0
    changes_refused: int = 0
    converge_s: float | None = None
    converge_limit: float = 0.0
    settled_before: bool = False


async def storm(
    service: Service,
    fake: RecordingShopify,
    items: dict[str, str],
    *,
    seconds: float,
    converge_limit: float,
    seed: int,
) -> StormFigures:
    draw = random.Random(seed)
    database = Database(service.database_url)
    figures = StormFigures(seconds=seconds, converge_limit=converge_limit)
    service.start()
    await service.ready()
    # The start-up sweep first brings the shop to the plan: the storm starts from calm.
    figures.settled_before, _ = await wait_for(lambda: converged(database, fake, items), 60)
    calls_before = fake.calls
    fake.storm = Storm()
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    skus = sorted(items)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(base_url=service.base, headers=headers, timeout=10) as client:
        while loop.time() < ends:
            kind = draw.choice(("receive", "receive", "damage"))
            body = {"sku": draw.choice(skus), "kind": kind, "quantity": draw.randint(1, 3)}
            answer = await client.post("/api/movements", json=body)
            figures.changes += 1
            figures.changes_refused += not answer.is_success
            await asyncio.sleep(draw.expovariate(4.0))
    fake.storm = None
    ok, took = await wait_for(lambda: converged(database, fake, items), converge_limit, 0.05)
    figures.converge_s = took if ok else None
    await service.stop()
    figures.calls = fake.calls - calls_before
    figures.rate_limited, figures.throttled = fake.rate_limited, fake.storm_throttled
    figures.early_calls, figures.throttled_early = fake.early_calls, fake.throttled_early()
    return figures


def describe(figures: StormFigures) -> list[str]:
    f = figures
    converge = (
        f"{f.converge_s:.1f} s"
        if f.converge_s is not None
        else f"more than {f.converge_limit:g} s (NOT converged)"
    )
    return [
        f"429/THROTTLED storm: {f.seconds:g} s, {f.changes} stock changes through the API "
        f"({f.changes_refused} refused); {f.calls} calls to the shop, {f.rate_limited} answered "
        f"429, {f.throttled} THROTTLED"
        + ("" if f.settled_before else " (the shop was NOT in sync before the storm)"),
        f"  calls before Retry-After had elapsed {f.early_calls}   calls THROTTLED by the "
        f"emptied bucket (made before it refilled) {f.throttled_early}   converged "
        f"{converge} after the storm",
    ]
