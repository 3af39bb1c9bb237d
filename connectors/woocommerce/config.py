"""A WooCommerce channel from the channels file: every key checked, loudly, before anything starts.

[[channels]]
name = "woo"
kind = "woocommerce"
url = "https://shop.example.com"          # the store's base URL (WordPress home), https
consumer_key_env = "WOO_CONSUMER_KEY"     # REST API key with Read/Write permission
consumer_secret_env = "WOO_CONSUMER_SECRET"
webhook_secret_env = "WOO_WEBHOOK_SECRET" # the secret set on each webhook
default_location = "main"                 # optional: where WooCommerce's stock figure is
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import httpx

from connectors.settings import checked_settings, default_location, secret
from connectors.woocommerce.api import API_PATH, WooCommerceApi
from connectors.woocommerce.connector import WooCommerceConnector
from syncbot.config import ChannelConfig, ConfigError

WOOCOMMERCE_KEYS = frozenset(
    {"url", "consumer_key_env", "consumer_secret_env", "webhook_secret_env", "default_location"}
)


def woocommerce_connector(
    channel: ChannelConfig,
    declared: Sequence[str],
    environ: Mapping[str, str],
    http: httpx.AsyncClient,
) -> WooCommerceConnector:
    """A WooCommerce channel: every key known, an https URL, a declared location, three secrets."""
    settings, fail = checked_settings(channel, WOOCOMMERCE_KEYS)
    url = _store_url(settings.get("url"), fail)
    location = default_location(settings, declared, fail)
    api = WooCommerceApi(
        http,
        url=url,
        consumer_key=secret(channel, "consumer_key_env", environ),
        consumer_secret=secret(channel, "consumer_secret_env", environ),
    )
    return WooCommerceConnector(
        channel.name,
        api,
        webhook_secret=secret(channel, "webhook_secret_env", environ),
        location=location,
    )


def _store_url(value: object, fail: Callable[[str], ConfigError]) -> str:
    """The base URL, checked: https (keys travel in Basic auth), a host, no query."""
    example = "like https://shop.example.com"
    if not isinstance(value, str) or not value.strip():
        raise fail(f"set url to the store's base URL, {example}")
    try:
        url = httpx.URL(value.strip())
    except httpx.InvalidURL:
        raise fail(f"url {value!r} is not a URL, {example}") from None
    if url.scheme != "https" or not url.host:
        raise fail(
            f"url must be an https URL, {example}: the consumer key is sent with every request"
        )
    if url.query or url.fragment or url.userinfo:
        raise fail(f"url must have no query, fragment or credentials, {example}")
    base = str(url).rstrip("/")
    if "wp-json" in url.path.split("/"):
        raise fail(f"url is the store's base URL, without {API_PATH}, {example}")
    return base
