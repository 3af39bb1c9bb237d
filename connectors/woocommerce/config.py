"""A WooCommerce channel from its table in the channels file: every key checked at start.

[[channels]]
name = "woo"
kind = "woocommerce"
url = "https://shop.example.com"          # the store's base URL (WordPress home), https
                                          # (http only on 127.0.0.1/localhost: a local emulator)
consumer_key_env = "WOO_CONSUMER_KEY"     # REST API key with Read/Write permission
consumer_secret_env = "WOO_CONSUMER_SECRET"
webhook_secret_env = "WOO_WEBHOOK_SECRET" # the secret set on each webhook
default_location = "main"                 # optional: where WooCommerce's stock figure is
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.settings import BuildContext, Fail, checked_settings, default_location, secret
from connectors.woocommerce.api import API_PATH, WooCommerceApi
from connectors.woocommerce.connector import WooCommerceConnector

WOOCOMMERCE_KEYS = frozenset(
    {"url", "consumer_key_env", "consumer_secret_env", "webhook_secret_env", "default_location"}
)
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def build(name: str, table: Mapping[str, Any], context: BuildContext) -> WooCommerceConnector:
    """A WooCommerce channel: every key known, an https URL, a declared location, three secrets."""
    settings, fail = checked_settings(name, "woocommerce", table, WOOCOMMERCE_KEYS)
    url = _store_url(settings.get("url"), fail)
    location = default_location(settings, context.locations, fail)
    api = WooCommerceApi(
        context.http,
        url=url,
        consumer_key=secret(name, table, "consumer_key_env", context.environ),
        consumer_secret=secret(name, table, "consumer_secret_env", context.environ),
    )
    return WooCommerceConnector(
        name,
        api,
        webhook_secret=secret(name, table, "webhook_secret_env", context.environ),
        location=location,
    )


def _store_url(value: object, fail: Fail) -> str:
    """The base URL, checked: https (keys travel in Basic auth), a host, no query. Plain
    http is let through for a loopback host only, where the keys never leave the machine
    (the demo's emulator, a local test server)."""
    example = "like https://shop.example.com"
    if not isinstance(value, str) or not value.strip():
        raise fail(f"set url to the store's base URL, {example}")
    try:
        url = httpx.URL(value.strip())
    except httpx.InvalidURL:
        raise fail(f"url {value!r} is not a URL, {example}") from None
    loopback = url.scheme == "http" and url.host in _LOOPBACK
    if (url.scheme != "https" and not loopback) or not url.host:
        raise fail(
            f"url must be an https URL, {example}: the consumer key is sent with every "
            "request (plain http only to 127.0.0.1 or localhost)"
        )
    if url.query or url.fragment or url.userinfo:
        raise fail(f"url must have no query, fragment or credentials, {example}")
    base = str(url).rstrip("/")
    if "wp-json" in url.path.split("/"):
        raise fail(f"url is the store's base URL, without {API_PATH}, {example}")
    return base
