"""A Shopify channel from its table in the channels file: every key checked, loudly, at start.

[[channels]]
name = "shop"
kind = "shopify"
shop = "example.myshopify.com"            # the store's myshopify domain
access_token_env = "SHOPIFY_TOKEN"        # Admin API access token
webhook_secret_env = "SHOPIFY_SECRET"     # signs the webhooks
api_version = "2026-10"                   # optional
api_base_url = "https://proxy.example"    # optional: a proxy or a local test server
locations = { 65760001 = "main" }         # Shopify location ids to syncbot locations
default_location = "main"                 # optional: where unmapped locations land
bulk_reads_above = 2000                   # optional: read more listings than this in bulk
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.base import MalformedDelivery
from connectors.settings import (
    BuildContext,
    Fail,
    checked_settings,
    default_location,
    secret,
)
from connectors.shopify import bulk
from connectors.shopify.admin import DEFAULT_API_VERSION, ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.lines import LocationMap
from connectors.shopify.payloads import numeric_id

SHOPIFY_KEYS = frozenset(
    {
        "shop",
        "api_version",
        "access_token_env",
        "webhook_secret_env",
        "api_base_url",
        "locations",
        "default_location",
        "bulk_reads_above",
    }
)
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")


def build(name: str, table: Mapping[str, Any], context: BuildContext) -> ShopifyConnector:
    """A Shopify channel: every key checked, every location declared, both secrets set."""
    settings, fail = checked_settings(name, "shopify", table, SHOPIFY_KEYS)
    shop, api_version, api_base_url = _admin_settings(settings, fail)
    default = default_location(settings, context.locations, fail)
    places = LocationMap(
        _location_map(settings.get("locations", {}), context.locations, fail), default
    )
    pushed_to = places.shopify_ids(default)
    if len(pushed_to) > 1:
        raise fail(
            f"Shopify locations {', '.join(pushed_to)} all map to {default!r}: syncbot pushes "
            "to one; map the others elsewhere or choose another default_location"
        )
    admin = ShopifyAdmin(
        context.http,
        shop=shop,
        access_token=secret(name, table, "access_token_env", context.environ),
        api_version=api_version,
        api_base_url=api_base_url,
    )
    return ShopifyConnector(
        name,
        admin,
        webhook_secret=secret(name, table, "webhook_secret_env", context.environ),
        locations=places,
        inventory_location=pushed_to[0] if pushed_to else None,
        bulk_read_above=_bulk_reads_above(settings, fail),
    )


def _bulk_reads_above(settings: Mapping[str, object], fail: Fail) -> int:
    """How many listings a read of levels takes before it is a bulk operation."""
    above = settings.get("bulk_reads_above", bulk.DEFAULT_THRESHOLD)
    if isinstance(above, bool) or not isinstance(above, int) or above < 1:
        raise fail(
            f"bulk_reads_above {above!r} is not a count of listings: use a whole number of at "
            f"least 1, like {bulk.DEFAULT_THRESHOLD}"
        )
    return above


def _admin_settings(settings: Mapping[str, object], fail: Fail) -> tuple[str, str, str | None]:
    """shop (lower case), api_version and api_base_url, each checked."""
    shop = settings.get("shop")
    if not isinstance(shop, str) or not _SHOP.match(shop.strip().lower()):
        raise fail("set shop to the store's myshopify domain, like example.myshopify.com")
    api_version = settings.get("api_version", DEFAULT_API_VERSION)
    if not isinstance(api_version, str) or not _API_VERSION.match(api_version):
        raise fail(f"api_version {api_version!r} is not a Shopify API version, like 2026-10")
    api_base_url = settings.get("api_base_url")
    if api_base_url is not None and (
        not isinstance(api_base_url, str) or not api_base_url.startswith(("https://", "http://"))
    ):
        raise fail("api_base_url must be an http(s) URL, like https://proxy.example.com")
    return shop.strip().lower(), api_version, api_base_url


def _location_map(table: object, declared: Sequence[str], fail: Fail) -> dict[str, str]:
    """`locations = { 65760001 = "main" }`: Shopify location ids (numeric or gid) to names."""
    if not isinstance(table, Mapping):
        raise fail('locations is a table of Shopify location ids, like { 65760001 = "main" }')
    mapped: dict[str, str] = {}
    for key, location in table.items():
        try:
            shopify_id = numeric_id(key)
        except MalformedDelivery:
            raise fail(f"locations: {key!r} is not a Shopify location id") from None
        if location not in declared:
            raise fail(f"locations: {location!r} is not declared in the file's locations")
        mapped[shopify_id] = location
    return mapped
