"""The demo's two storefronts: the package's Shopify and WooCommerce emulators
(`connectors.shopify.testing`, `connectors.woocommerce.testing`), stocked with the
catalogue's listings, watched for every call and push, and declared in a channels file.

A push is a call that changed at least one of the storefront's levels; only syncbot calls
the emulators' APIs (the customers act on their state directly, as shoppers do in the
storefront's own checkout), so every change seen through the API is syncbot's.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from starlette.types import ASGIApp

from connectors.shopify import testing as shopify_emulator
from connectors.shopify.fake_orders import ShopifyOrders
from connectors.shopify.testing import ShopifyInventory
from connectors.woocommerce import testing as woo_emulator
from connectors.woocommerce.testing import WooCommerceStore
from syncbot.demo.catalogue import Product

SHOP = "syncbot-demo.myshopify.com"
SHOPIFY_LOCATION = 65760001
SHOPIFY = "shopify"
WOO = "woo"
RESTORE_RATE = 100.0  # points a second: Shopify's standard plan
BUCKET = 1000.0


@dataclass(frozen=True)
class Push:
    """One call of syncbot's that changed levels: (before, after) by SKU."""

    storefront: str
    at: float
    changes: dict[str, tuple[int, int]]


@dataclass
class Watched:
    """A storefront's request handler, counting calls and throttles and seeing each push."""

    name: str
    handler: Callable[[httpx.Request], httpx.Response]
    levels: Callable[[], dict[str, int]]
    throttled: Callable[[httpx.Response], bool]
    on_push: Callable[[Push], None] = lambda push: None
    calls: int = 0
    throttles: int = 0
    after_call: Callable[[], None] = lambda: None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        before = self.levels()
        answer = self.handler(request)
        self.calls += 1
        self.throttles += self.throttled(answer)
        after = self.levels()
        changes = {sku: (before.get(sku, 0), level) for sku, level in after.items()}
        changes = {sku: pair for sku, pair in changes.items() if pair[0] != pair[1]}
        if changes:
            self.on_push(Push(self.name, time.monotonic(), changes))
        self.after_call()
        return answer


@dataclass
class Storefronts:
    """Both emulators, their customers' side, and the secrets syncbot's channels use."""

    shopify_url: str
    woo_url: str
    shopify: ShopifyInventory
    shop_orders: ShopifyOrders
    woo: WooCommerceStore
    environment: dict[str, str]
    watched: dict[str, Watched] = field(default_factory=dict)

    def levels(self, storefront: str) -> dict[str, int]:
        return self.watched[storefront].levels()

    def channels_file(self, locations: Iterable[str]) -> str:
        """The channels file declaring both storefronts, each selling from every location."""
        places = ", ".join(f'"{name}"' for name in locations)
        return f"""# The demo's channels: two emulated storefronts on 127.0.0.1 (docs/demo.md).
locations = [{places}]

[[channels]]
name = "{SHOPIFY}"
kind = "shopify"
shop = "{SHOP}"
access_token_env = "DEMO_SHOPIFY_TOKEN"
webhook_secret_env = "DEMO_SHOPIFY_WEBHOOK_SECRET"
api_base_url = "{self.shopify_url}"
default_location = "main"
sells_from = [{places}]
[channels.locations]
{SHOPIFY_LOCATION} = "main"

[[channels]]
name = "{WOO}"
kind = "woocommerce"
url = "{self.woo_url}"
consumer_key_env = "DEMO_WOO_KEY"
consumer_secret_env = "DEMO_WOO_SECRET"
webhook_secret_env = "DEMO_WOO_WEBHOOK_SECRET"
sells_from = [{places}]
"""


def build(
    products: list[Product],
    shopify_url: str,
    woo_url: str,
    first_id: int,
    bundles: Sequence[tuple[str, str]] = (),
) -> Storefronts:
    """Both stores listing every product, and every bundle (code, name), at 0, with fresh
    secrets; order ids start at `first_id`, so a reused database never meets an order id
    twice. A bundle is a plain product to the stores (not a Shopify bundle product, whose
    level Shopify would compute): syncbot pushes it from its components' stock."""
    environment = {
        "DEMO_SHOPIFY_TOKEN": "shpat_demo_" + secrets.token_hex(16),
        "DEMO_SHOPIFY_WEBHOOK_SECRET": secrets.token_urlsafe(24),
        "DEMO_WOO_KEY": "ck_demo_" + secrets.token_hex(16),
        "DEMO_WOO_SECRET": "cs_demo_" + secrets.token_hex(16),
        "DEMO_WOO_WEBHOOK_SECRET": secrets.token_urlsafe(24),
    }
    shopify = ShopifyInventory(maximum=BUCKET, available=BUCKET, restore_rate=RESTORE_RATE)
    listed = [product.sku for product in products] + [code for code, _ in bundles]
    for number, sku in enumerate(listed, start=1):
        item = f"gid://shopify/InventoryItem/{first_id + number}"
        shopify.variants.append((sku, item))
        shopify.levels[item] = 0
    shop_orders = ShopifyOrders(
        shopify,
        SHOP,
        environment["DEMO_SHOPIFY_WEBHOOK_SECRET"],
        SHOPIFY_LOCATION,
        first_id=first_id,
    )
    woo = WooCommerceStore(
        url=woo_url,
        consumer_key=environment["DEMO_WOO_KEY"],
        consumer_secret=environment["DEMO_WOO_SECRET"],
        webhook_secret=environment["DEMO_WOO_WEBHOOK_SECRET"],
        now=datetime.now(UTC),
        _next_id=first_id,
    )
    for product in products:
        product_id = woo.add_product(product.sku, 0, global_unique_id=product.barcode)
        woo.products[int(product_id)]["name"] = product.name
    for code, name in bundles:
        woo.products[int(woo.add_product(code, 0))]["name"] = name
    fronts = Storefronts(shopify_url, woo_url, shopify, shop_orders, woo, environment)
    fronts.watched[SHOPIFY] = Watched(
        SHOPIFY,
        shopify,
        lambda: {sku: shopify.levels.get(item, 0) for sku, item in shopify.variants},
        lambda answer: b'"THROTTLED"' in answer.content,
    )
    fronts.watched[WOO] = Watched(
        WOO,
        woo,
        lambda: {
            product["sku"]: product["stock_quantity"] or 0 for product in woo.products.values()
        },
        lambda answer: answer.status_code == 429,
        after_call=woo.requests.clear,  # the store keeps every request for tests; not here
    )
    return fronts


def apps(fronts: Storefronts) -> dict[str, ASGIApp]:
    """The ASGI app of each emulator, answering through its watcher."""
    return {
        SHOPIFY: shopify_emulator.asgi(fronts.watched[SHOPIFY]),
        WOO: woo_emulator.asgi(fronts.watched[WOO]),
    }
