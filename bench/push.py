"""Channel push: 10,000 changed listings into a metered fake Shopify, and change-to-channel latency.

    python bench/push.py [--listings 10000] [--bucket 1000] [--restore-rate 100] [--samples 30]
                         [--postgres URL] [--rounds 0] [--changed 50]

The fake Shopify Admin API (connectors.shopify.testing) runs on 127.0.0.1 with a leaky
bucket of query cost, answering THROTTLED when a call costs more than the bucket holds.

1. **Push.** `--listings` changed listings, whose channel levels syncbot already knows:
   - the connector alone (`ShopifyConnector.push_levels`): calls against the minimum
     (listings / 250), elapsed time against the time the bucket allows, THROTTLED count;
   - the whole sync (`syncbot.sync.pusher.sync` on SQLite, or on the scratch PostgreSQL
     database `--postgres`, which is emptied first: plan, record each change before the
     call, record each answer), against the connector alone in the same run; with its CPU
     time (`time.process_time`, which includes the fake's thread and aiosqlite's);
   - with `--rounds`, a flash sale's syncs: each round damages 1 to `--changed` SKUs (a
     random number, as debounced changes come) and syncs only those, as the scheduler
     does after a change; wall and CPU per round and per listing pushed.
2. **Latency** (`--samples 0` skips it). A real `syncbot serve` (SQLite, default scheduler
   settings) pushes to the fake; for each sample one damage is posted through the HTTP API
   and the time until the fake holds the new level is measured. The bound is the
   scheduler's poll + debounce: a change waits at most that long before its push starts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from connectors.base import LevelChange, Listing
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.documents import MAX_INPUT_ITEMS
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import SET_COST, ShopifyInventory, serve
from syncbot.config import load_settings

LOCATION = "70000001"
TOKEN = "bench-dummy-token"


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{100_000 + n}"


def connector(http: httpx.AsyncClient, url: str) -> ShopifyConnector:
    admin = ShopifyAdmin(http, shop="bench.myshopify.com", access_token=TOKEN, api_base_url=url)
    places = LocationMap({LOCATION: "main"}, "main")
    return ShopifyConnector(
        "bench", admin, webhook_secret="bench", locations=places, inventory_location=LOCATION
    )


def bucket_allows(calls: int, bucket: float, restore_rate: float) -> float:
    """Seconds the bucket needs for `calls` pushes: (total cost - initial bucket) / restore."""
    return max(0.0, calls * SET_COST - bucket) / restore_rate


async def push_alone(count: int, bucket: float, restore_rate: float) -> tuple[int, float, int]:
    fake = ShopifyInventory(maximum=bucket, available=bucket, restore_rate=restore_rate)
    fake.levels = {item(n): 0 for n in range(count)}
    changes = [
        LevelChange(Listing(f"SKU-{n}", f"v{n}", item(n)), 5, 0, f"bench-{n}") for n in range(count)
    ]
    with serve(fake) as url:
        async with httpx.AsyncClient(timeout=30) as http:
            started = time.perf_counter()
            outcomes = await connector(http, url).push_levels(changes)
            elapsed = time.perf_counter() - started
    assert all(outcome.acknowledged == 5 for outcome in outcomes)
    return len(fake.set_calls), elapsed, fake.throttled


@dataclass
class SyncFigures:
    calls: int
    elapsed: float
    cpu: float
    throttled: int
    rounds: list[tuple[float, float, int]] = field(default_factory=list)
    """Each round's (wall seconds, CPU seconds, listings pushed)."""


async def push_through_sync(
    count: int,
    bucket: float,
    restore_rate: float,
    postgres: str | None = None,
    rounds: int = 0,
    changed: int = 50,
) -> SyncFigures:
    from scratch import scratch_database

    from syncbot.ledger import damage, receive
    from syncbot.store import sync_models
    from syncbot.store.catalogue import add_sku
    from syncbot.store.posting import post
    from syncbot.sync.channels import SyncChannel
    from syncbot.sync.pusher import sync

    fake = ShopifyInventory(maximum=bucket, available=bucket, restore_rate=restore_rate)
    fake.levels = {item(n): 0 for n in range(count)}
    async with scratch_database(postgres, ["main"]):
        for n in range(count):
            await add_sku(f"SKU-{n}")
        for start in range(0, count, 500):
            await post([receive(f"SKU-{n}", 5_000) for n in range(start, min(count, start + 500))])
        await sync_models.ChannelListing.bulk_create(
            [
                sync_models.ChannelListing(
                    channel="bench",
                    sku=f"SKU-{n}",
                    listing_id=f"v{n}",
                    inventory_id=item(n),
                    channel_quantity=0,
                )
                for n in range(count)
            ]
        )
        with serve(fake) as fake_url:
            async with httpx.AsyncClient(timeout=30) as http:
                channel = SyncChannel(connector(http, fake_url), ("main",))
                cpu, started = time.process_time(), time.perf_counter()
                report = await sync(channel, grace=timedelta(minutes=10))
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                assert report.pushed == count, report
                figures = SyncFigures(len(fake.set_calls), elapsed, cpu, fake.throttled)
                chosen = random.Random(19)
                for _ in range(rounds):
                    size = chosen.randint(1, min(changed, count))
                    skus = {f"SKU-{n}" for n in chosen.sample(range(count), size)}
                    await post([damage(sku, 1) for sku in sorted(skus)])
                    cpu, started = time.process_time(), time.perf_counter()
                    report = await sync(channel, grace=timedelta(minutes=10), skus=skus)
                    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                    assert report.pushed == len(skus), report
                    figures.rounds.append((wall, cpu, report.pushed))
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def latency(samples: int) -> list[float]:
    """Seconds from an acknowledged damage (committed) to the fake holding the new level."""
    skus = [f"LAT-{n}" for n in range(samples)]
    fake = ShopifyInventory(variants=[(sku, item(n)) for n, sku in enumerate(skus)])
    with tempfile.TemporaryDirectory() as directory, serve(fake) as fake_url:
        config = Path(directory) / "syncbot.toml"
        config.write_text(
            f'[[channels]]\nname = "bench"\nkind = "shopify"\nshop = "bench.myshopify.com"\n'
            f'access_token_env = "BENCH_TOKEN"\nwebhook_secret_env = "BENCH_SECRET"\n'
            f'api_base_url = "{fake_url}"\n[channels.locations]\n{LOCATION} = "main"\n'
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SYNCBOT_")},
            "SYNCBOT_DATABASE_URL": f"sqlite://{directory}/bench.db",
            "SYNCBOT_CONFIG": str(config),
            "SYNCBOT_API_TOKEN": "bench-token-0123456789",
            "SYNCBOT_LOG_LEVEL": "WARNING",
            "BENCH_TOKEN": TOKEN,
            "BENCH_SECRET": "bench-secret",
        }
        syncbot = shutil.which("syncbot") or str(Path(sys.executable).with_name("syncbot"))
        # Only `migrate` and `serve` create the database; the other commands need it there.
        subprocess.run([syncbot, "migrate"], env=env, check=True, capture_output=True)
        for sku in skus:
            subprocess.run([syncbot, "sku", "add", sku], env=env, check=True, capture_output=True)
            subprocess.run(
                [syncbot, "receive", sku, "100"], env=env, check=True, capture_output=True
            )
        subprocess.run(
            [syncbot, "channels", "discover", "bench"], env=env, check=True, capture_output=True
        )
        port = free_port()
        server = subprocess.Popen(
            [syncbot, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
            wait(lambda: _ready(client), "the service to start")
            wait(lambda: all(fake.levels.get(item(n)) == 100 for n in range(samples)), "the sweep")
            headers = {"Authorization": "Bearer bench-token-0123456789"}
            measured = []
            for n, sku in enumerate(skus):
                body = {"sku": sku, "kind": "damage", "quantity": 1}
                response = client.post("/api/movements", json=body, headers=headers)
                committed = time.perf_counter()
                response.raise_for_status()
                wait(lambda n=n: fake.levels.get(item(n)) == 99, f"the push of {sku}", 0.001)
                measured.append(time.perf_counter() - committed)
            return measured
        finally:
            server.terminate()
            server.wait()


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


def wait(check: object, what: str, step: float = 0.05, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(step)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--bucket", type=float, default=1000.0)
    parser.add_argument("--restore-rate", type=float, default=100.0)
    parser.add_argument("--samples", type=int, default=30, help="0: no latency")
    parser.add_argument("--postgres", help="a scratch database for the sync, emptied first")
    parser.add_argument("--rounds", type=int, default=0, help="syncs of a few changed SKUs")
    parser.add_argument("--changed", type=int, default=50, help="most SKUs changed per round")
    args = parser.parse_args()

    minimum = -(-args.listings // MAX_INPUT_ITEMS)
    allowed = bucket_allows(minimum, args.bucket, args.restore_rate)
    print(
        f"push of {args.listings} changed listings, bucket {args.bucket:g} points refilled at "
        f"{args.restore_rate:g}/s, {SET_COST} points per call",
        flush=True,
    )
    calls, alone, throttled = await push_alone(args.listings, args.bucket, args.restore_rate)
    print(
        f"  connector alone   {calls} calls (minimum {minimum})   {alone:6.2f} s "
        f"(bucket allows {allowed:.2f} s = max(0, {minimum} x {SET_COST} - {args.bucket:g}) / "
        f"{args.restore_rate:g})   THROTTLED {throttled}",
        flush=True,
    )
    figures = await push_through_sync(
        args.listings, args.bucket, args.restore_rate, args.postgres, args.rounds, args.changed
    )
    whole = figures.elapsed
    print(
        f"  whole sync        {figures.calls} calls (minimum {minimum})   {whole:6.2f} s   "
        f"THROTTLED {figures.throttled}   {args.listings / whole:,.0f} listings/s   "
        f"ratio to the connector alone {whole / alone:.1f}x   "
        f"({'PostgreSQL' if args.postgres else 'SQLite'})",
        flush=True,
    )
    print(
        f"  whole sync CPU    {figures.cpu:6.2f} s   "
        f"{figures.cpu / args.listings * 1e6:,.0f} us per listing",
        flush=True,
    )
    if figures.rounds:
        walls, cpus, pushed = zip(*figures.rounds, strict=True)
        print(
            f"  {len(walls)} rounds of 1-{args.changed} changed SKUs   wall median "
            f"{statistics.median(walls) * 1e3:.1f} ms per round   CPU "
            f"{sum(cpus) / len(cpus) * 1e3:.1f} ms per round, "
            f"{sum(cpus) / sum(pushed) * 1e6:,.0f} us per listing pushed",
            flush=True,
        )
    if not args.samples:
        return
    settings = load_settings()
    floor = settings.sync_poll_seconds + settings.sync_debounce_seconds
    measured = latency(args.samples)
    median = statistics.median(measured)
    p95 = statistics.quantiles(measured, n=20)[-1] if len(measured) >= 2 else measured[0]
    print(
        f"change-to-channel latency over {len(measured)} changes (SQLite serve, poll "
        f"{settings.sync_poll_seconds:g} s + debounce {settings.sync_debounce_seconds:g} s = "
        f"designed bound {floor:g} s): median {median:.2f} s, p95 {p95:.2f} s, "
        f"median / bound {median / floor:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
