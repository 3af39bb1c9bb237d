"""One push of N changed listings through each connector, with its storefront mocked.

    python bench/connector_push.py [--listings 10000]

Each storefront is its stateful fake (`connectors.<kind>.testing`) on respx, so no network
is involved: the figures are the calls each connector makes (against the minimum its
batch limit allows) and the time its own code takes to build, send and read them. The
in-memory fake connector, which makes no HTTP call, is the baseline measured in the same
run. Shopify's bucket is set large enough never to pace: pacing is measured by push.py.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import respx

from connectors.base import Connector, LevelChange, Listing
from connectors.bigcommerce.testing import BigCommerceStore
from connectors.fake import FakeConnector
from connectors.registry import build_connectors
from connectors.shopify.testing import ShopifyInventory
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.channels_file import ChannelConfig, ChannelsFile

SHOP = "bench.myshopify.com"
ENVIRON = {
    "SHOP_TOKEN": "shpat_bench",
    "SHOP_SECRET": "bench",
    "WOO_KEY": WooCommerceStore.consumer_key,
    "WOO_SECRET": WooCommerceStore.consumer_secret,
    "WOO_WEBHOOK": WooCommerceStore.webhook_secret,
    "BC_TOKEN": BigCommerceStore.access_token,
    "BC_SECRET": BigCommerceStore.client_secret,
}
CHANNELS = [
    {"name": "shopify", "kind": "shopify", "shop": SHOP, "access_token_env": "SHOP_TOKEN",
     "webhook_secret_env": "SHOP_SECRET", "locations": {"65760001": "main"}},
    {"name": "woo", "kind": "woocommerce", "url": WooCommerceStore.url,
     "consumer_key_env": "WOO_KEY", "consumer_secret_env": "WOO_SECRET",
     "webhook_secret_env": "WOO_WEBHOOK"},
    {"name": "bc", "kind": "bigcommerce", "store_hash": BigCommerceStore.store_hash,
     "access_token_env": "BC_TOKEN", "client_secret_env": "BC_SECRET"},
]  # fmt: skip


@dataclass
class Result:
    name: str
    batch_limit: int
    writes: int
    reads: int
    seconds: float


async def measure(name: str, connector: Connector, counts: Callable[[], tuple[int, int]]) -> Result:
    listed = sorted(await connector.listings(), key=lambda item: item.sku)
    before = counts()
    changes = [LevelChange(item, 5, 0, f"bench-{item.inventory_id}") for item in listed]
    started = time.perf_counter()
    outcomes = await connector.push_levels(changes)
    seconds = time.perf_counter() - started
    assert all(outcome.acknowledged == 5 for outcome in outcomes), name
    after = counts()
    return Result(name, connector.batch_limit, after[0] - before[0], after[1] - before[1], seconds)


async def run(listings: int) -> list[Result]:
    skus = [f"BENCH-{n:05d}" for n in range(listings)]
    fake = FakeConnector("fake", "bench")
    fake.listed = [Listing(sku, sku, sku) for sku in skus]
    results = [await measure("fake (no HTTP, baseline)", fake, lambda: (len(fake.pushes), 0))]
    shopify = ShopifyInventory(maximum=1e12, available=1e12, restore_rate=1e12)
    shopify.variants = [(sku, f"gid://shopify/InventoryItem/{n}") for n, sku in enumerate(skus)]
    shopify.levels = {item: 0 for _, item in shopify.variants}
    woo, bc = WooCommerceStore(), BigCommerceStore(quota=10**9, left=10**9)
    for sku in skus:
        woo.add_product(sku, 0)
        bc.add_variant(sku)
    channels = ChannelsFile(channels=[ChannelConfig.model_validate(c) for c in CHANNELS])
    with respx.mock(assert_all_called=False) as router:
        router.post(f"https://{SHOP}/admin/api/2026-10/graphql.json").mock(side_effect=shopify)
        woo.mount(router)
        bc.mount(router)
        async with httpx.AsyncClient() as http:
            built = build_connectors(channels, ENVIRON, http)

            def woo_counts() -> tuple[int, int]:
                return woo.write_calls, len(woo.requests) - woo.write_calls

            def bc_counts() -> tuple[int, int]:
                return bc.write_calls, len(bc.requests) - bc.write_calls

            def shopify_counts() -> tuple[int, int]:
                return len(shopify.set_calls), 0

            results.append(await measure("Shopify", built["shopify"], shopify_counts))
            results.append(await measure("WooCommerce", built["woo"], woo_counts))
            results.append(await measure("BigCommerce", built["bc"], bc_counts))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10_000)
    args = parser.parse_args()
    results = asyncio.run(run(args.listings))
    baseline = results[0].seconds
    print(f"{args.listings:,} changed listings, one push_levels each")
    print(f"{'connector':26} {'limit':>6} {'writes (min)':>13} {'reads':>6} {'seconds':>8} "
          f"{'µs/listing':>10} {'× baseline':>10}")  # fmt: skip
    for r in results:
        minimum = math.ceil(args.listings / r.batch_limit)
        print(
            f"{r.name:26} {r.batch_limit:>6} {f'{r.writes} ({minimum})':>13} {r.reads:>6} "
            f"{r.seconds:8.3f} {r.seconds / args.listings * 1e6:10.1f} {r.seconds / baseline:10.0f}"
        )


if __name__ == "__main__":
    main()
