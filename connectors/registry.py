"""Builds each channel's connector from the channels file and the environment's secrets."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import httpx

from connectors.base import Connector, MalformedDelivery
from connectors.bigcommerce.config import bigcommerce_connector
from connectors.fake import fake_connector
from connectors.settings import checked_settings, default_location, secret, secret_variables
from connectors.shopify.admin import DEFAULT_API_VERSION, ShopifyAdmin
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.orders import LocationMap, numeric_id
from connectors.woocommerce.config import woocommerce_connector
from syncbot.config import ChannelConfig, ChannelsFile, ConfigError

KINDS = ("fake", "shopify", "woocommerce", "bigcommerce")
__all__ = ["KINDS", "build_connectors", "secret", "secret_variables"]
SHOPIFY_KEYS = frozenset(
    {
        "shop",
        "api_version",
        "access_token_env",
        "webhook_secret_env",
        "api_base_url",
        "locations",
        "default_location",
    }
)
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")


def build_connectors(
    channels: ChannelsFile, environ: Mapping[str, str], http: httpx.AsyncClient
) -> dict[str, Connector]:
    """One connector per declared channel; a missing secret fails at start, naming it."""
    return {
        channel.name: _build(channel, channels.locations, environ, http)
        for channel in channels.channels
    }


def _build(
    channel: ChannelConfig,
    locations: Sequence[str],
    environ: Mapping[str, str],
    http: httpx.AsyncClient,
) -> Connector:
    if channel.kind == "fake":
        return fake_connector(channel, environ)
    if channel.kind == "shopify":
        return shopify_connector(channel, locations, environ, http)
    if channel.kind == "woocommerce":
        return woocommerce_connector(channel, locations, environ, http)
    if channel.kind == "bigcommerce":
        return bigcommerce_connector(channel, locations, environ, http)
    raise ConfigError(
        f"channel {channel.name!r}: kind {channel.kind!r} is not supported ({', '.join(KINDS)})"
    )


def shopify_connector(
    channel: ChannelConfig,
    declared: Sequence[str],
    environ: Mapping[str, str],
    http: httpx.AsyncClient,
) -> ShopifyConnector:
    """A Shopify channel: every key checked, every location declared, both secrets set."""
    settings, fail = checked_settings(channel, SHOPIFY_KEYS)
    shop, api_version, api_base_url = _admin_settings(settings, fail)
    default = default_location(settings, declared, fail)
    places = LocationMap(_location_map(settings.get("locations", {}), declared, fail), default)
    pushed_to = places.shopify_ids(default)
    if len(pushed_to) > 1:
        raise fail(
            f"Shopify locations {', '.join(pushed_to)} all map to {default!r}: syncbot pushes "
            "to one; map the others elsewhere or choose another default_location"
        )
    admin = ShopifyAdmin(
        http,
        shop=shop,
        access_token=secret(channel, "access_token_env", environ),
        api_version=api_version,
        api_base_url=api_base_url,
    )
    return ShopifyConnector(
        channel.name,
        admin,
        webhook_secret=secret(channel, "webhook_secret_env", environ),
        locations=places,
        inventory_location=pushed_to[0] if pushed_to else None,
    )


def _admin_settings(
    settings: Mapping[str, object], fail: Callable[[str], ConfigError]
) -> tuple[str, str, str | None]:
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


def _location_map(
    table: object, declared: Sequence[str], fail: Callable[[str], ConfigError]
) -> dict[str, str]:
    """`locations = { 65760001 = "main" }`: Shopify location ids (numeric or gid) to names."""
    if not isinstance(table, Mapping):
        raise fail('locations is a table of Shopify location ids, like { 65760001 = "main" }')
    mapped: dict[str, str] = {}
    for key, name in table.items():
        try:
            shopify_id = numeric_id(key)
        except MalformedDelivery:
            raise fail(f"locations: {key!r} is not a Shopify location id") from None
        if name not in declared:
            raise fail(f"locations: {name!r} is not declared in the file's locations")
        mapped[shopify_id] = name
    return mapped
