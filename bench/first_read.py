"""First read of a channel's levels: 10,000 listings from a metered fake Shopify, paged and in bulk.

    python bench/first_read.py [--listings 10000] [--restore-rate 100] [--bucket 1000]
                               [--shopify-seconds 10] [--paged]

The fake Shopify Admin API (connectors.shopify.testing) runs on 127.0.0.1 over real HTTP,
with a leaky bucket of query cost (`--bucket` points, refilled at `--restore-rate` a
second) that answers THROTTLED when a call costs more than it holds.

1. **Bulk read, the connector alone** (`ShopifyConnector.read_levels`, more listings than
   `bulk_reads_above`): one bulkOperationRunQuery, polls of bulkOperation, the JSONL
   download. The fake keeps each operation RUNNING for `--shopify-seconds` (Shopify's own
   export time, which cannot be measured here: an assumption, 10 s by default), so the
   figure is that plus syncbot's part: the polling granularity, the download and parsing.
2. **Paged read** (`--paged`, minutes): the same listings 250 a query at 3 points an item,
   the way every read went before bulk reads; without `--paged` the bucket's bound is
   printed instead, (3 × listings − bucket) / restore rate.
3. **First sync** through `syncbot.sync.pusher.sync` on SQLite: `--listings` new listings
   whose channel levels syncbot has never read, so it reads them all (in bulk), plans and
   pushes each, 250 a call. Target: at most 30 s for 10,000 listings at 100 points/s.

The last line is machine-readable:
`first_read listings=N bulk_s=X paged_s=X first_sync_s=X first_sync_read_s=X points_bulk=N
points_paged=N`.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta

import httpx

from connectors.base import Listing
from connectors.shopify.admin import ShopifyAdmin
from connectors.shopify.bulk import DEFAULT_THRESHOLD
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.orders import LocationMap
from connectors.shopify.testing import LEVEL_COST_PER_ITEM, ShopifyInventory, serve

LOCATION = "70000001"
TOKEN = "bench-dummy-token"


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{100_000 + n}"


def listing(n: int) -> Listing:
    return Listing(f"SKU-{n}", f"gid://shopify/ProductVariant/{100_000 + n}", item(n))


def connector(http: httpx.AsyncClient, url: str, bulk_above: int) -> ShopifyConnector:
    admin = ShopifyAdmin(http, shop="bench.myshopify.com", access_token=TOKEN, api_base_url=url)
    return ShopifyConnector(
        "bench",
        admin,
        webhook_secret="bench",
        locations=LocationMap({LOCATION: "main"}, "main"),
        inventory_location=LOCATION,
        bulk_read_above=bulk_above,
    )


def shop(args: argparse.Namespace) -> ShopifyInventory:
    fake = ShopifyInventory(
        maximum=args.bucket, available=args.bucket, restore_rate=args.restore_rate
    )
    fake.variants = [(f"SKU-{n}", item(n)) for n in range(args.listings)]
    fake.levels = {item(n): n % 17 for n in range(args.listings)}
    fake.bulk.running_seconds = args.shopify_seconds
    return fake


async def read_alone(args: argparse.Namespace, bulk_above: int) -> tuple[float, float, int]:
    """Seconds and points of one read of every listing, and the levels read."""
    fake = shop(args)
    with serve(fake) as url:
        async with httpx.AsyncClient(timeout=60) as http:
            started = time.perf_counter()
            levels = await connector(http, url, bulk_above).read_levels(
                [listing(n) for n in range(args.listings)]
            )
            elapsed = time.perf_counter() - started
    assert levels == fake.levels, "the read must return every level"
    return elapsed, fake.spent, len(levels)


async def first_sync(args: argparse.Namespace) -> tuple[float, float, int]:
    """Seconds of a first sync of new listings, the seconds of its reads, and its calls."""
    from syncbot.ledger import receive
    from syncbot.store import models, sync_models
    from syncbot.store.database import close_database, declare_locations, migrate, open_database
    from syncbot.store.posting import post
    from syncbot.sync.channels import SyncChannel
    from syncbot.sync.pusher import sync

    count, fake = args.listings, shop(args)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite://{directory}/bench.db"
        await migrate(url)
        await open_database(url)
        try:
            await declare_locations(["main"])
            await models.Sku.bulk_create([models.Sku(code=f"SKU-{n}") for n in range(count)])
            for start in range(0, count, 500):
                await post([receive(f"SKU-{n}", 40) for n in range(start, min(count, start + 500))])
            await sync_models.ChannelListing.bulk_create(
                [
                    sync_models.ChannelListing(
                        channel="bench", sku=f"SKU-{n}", listing_id=f"v{n}", inventory_id=item(n)
                    )
                    for n in range(count)
                ]
            )
            with serve(fake) as fake_url:
                async with httpx.AsyncClient(timeout=60) as http:
                    shopify = connector(http, fake_url, DEFAULT_THRESHOLD)
                    read = shopify.read_levels
                    reading: list[float] = []

                    async def timed_read(listings: Sequence[Listing]) -> Mapping[str, int]:
                        started = time.perf_counter()
                        try:
                            return await read(listings)
                        finally:
                            reading.append(time.perf_counter() - started)

                    shopify.read_levels = timed_read  # type: ignore[method-assign]
                    channel = SyncChannel(shopify, ("main",))
                    started = time.perf_counter()
                    report = await sync(channel, grace=timedelta(minutes=10))
                    elapsed = time.perf_counter() - started
        finally:
            await close_database()
    assert report.pushed == count, report
    assert all(fake.levels[item(n)] == 40 for n in range(count))
    return elapsed, sum(reading), len(fake.set_calls)


async def main(args: argparse.Namespace) -> None:
    print(
        f"first read of {args.listings:,} listings, fake Shopify bucket {args.bucket:g} "
        f"points at {args.restore_rate:g}/s, bulk export assumed {args.shopify_seconds:g} s"
    )
    bulk_s, bulk_points, _ = await read_alone(args, bulk_above=DEFAULT_THRESHOLD)
    print(f"  bulk read (connector):   {bulk_s:7.1f} s   {bulk_points:6.0f} points")
    bound = max(0.0, LEVEL_COST_PER_ITEM * args.listings - args.bucket) / args.restore_rate
    if args.paged:
        paged_s, paged_points, _ = await read_alone(args, bulk_above=10**9)
        print(f"  paged read (connector):  {paged_s:7.1f} s   {paged_points:6.0f} points")
    else:
        paged_s, paged_points = bound, float(LEVEL_COST_PER_ITEM * args.listings)
        print(f"  paged read (bucket bound, --paged measures it): {bound:7.1f} s")
    sync_s, read_s, calls = await first_sync(args)
    print(
        f"  first sync (read + plan + push {args.listings:,} in {calls} calls): {sync_s:7.1f} s, "
        f"of which reading {read_s:.1f} s and syncbot's own work {sync_s - read_s:.1f} s"
    )
    verdict = "ok" if sync_s <= 30 else "OVER the 30 s target"
    print(f"  target: first sync of 10,000 at 100 points/s in 30 s or less: {verdict}")
    print(
        f"first_read listings={args.listings} bulk_s={bulk_s:.1f} paged_s={paged_s:.1f} "
        f"first_sync_s={sync_s:.1f} first_sync_read_s={read_s:.1f} "
        f"points_bulk={bulk_points:.0f} points_paged={paged_points:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--bucket", type=float, default=1000.0)
    parser.add_argument("--restore-rate", type=float, default=100.0)
    parser.add_argument("--shopify-seconds", type=float, default=10.0)
    parser.add_argument("--paged", action="store_true", help="measure the paged read (minutes)")
    asyncio.run(main(parser.parse_args()))
