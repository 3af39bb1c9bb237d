"""A BigCommerce channel from the channels file: every key checked, loudly, before anything starts.

    [[channels]]
    name = "bc"
    kind = "bigcommerce"
    store_hash = "abc123"
    access_token_env = "BC_ACCESS_TOKEN"     # X-Auth-Token of the store's API account
    client_secret_env = "BC_CLIENT_SECRET"   # signs the webhooks (Standard Webhooks)
    location_id = 1                          # the BigCommerce inventory location pushed to
    default_location = "main"                # where its orders' units are held in syncbot
    webhook_header = "X-Syncbot-Webhook"     # optional, with webhook_header_value_env: the
    webhook_header_value_env = "BC_HOOK"     # header set in the webhook's `headers` object

The client secret is required because BigCommerce signs every delivery with it and the
signature covers the body. The header pair is optional defence in depth, for merchants who
also set the documented `headers` object when creating their webhooks; when both keys are
set, a delivery without that header is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import httpx

from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.settings import checked_settings, default_location, secret
from syncbot.config import ChannelConfig, ConfigError

BIGCOMMERCE_KEYS = frozenset(
    {
        "store_hash",
        "access_token_env",
        "client_secret_env",
        "api_base_url",
        "location_id",
        "default_location",
        "webhook_header",
        "webhook_header_value_env",
    }
)
_STORE_HASH = re.compile(r"^[a-z0-9]{1,32}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # BigCommerce caps header names at 64


def bigcommerce_connector(
    channel: ChannelConfig,
    declared: Sequence[str],
    environ: Mapping[str, str],
    http: httpx.AsyncClient,
) -> BigCommerceConnector:
    """A BigCommerce channel: every key checked, its location declared, its secrets set."""
    settings, fail = checked_settings(channel, BIGCOMMERCE_KEYS)
    store_hash = settings.get("store_hash")
    if not isinstance(store_hash, str) or not _STORE_HASH.match(store_hash.strip().lower()):
        raise fail("set store_hash to the store's hash, the part after /stores/ in its API path")
    api_base_url = settings.get("api_base_url")
    if api_base_url is not None and (
        not isinstance(api_base_url, str) or not api_base_url.startswith(("https://", "http://"))
    ):
        raise fail("api_base_url must be an http(s) URL, like https://proxy.example.com/bc")
    location_id = settings.get("location_id", 1)
    if not isinstance(location_id, int) or isinstance(location_id, bool) or location_id < 1:
        raise fail("location_id must be a BigCommerce inventory location id, like 1")
    default = default_location(settings, declared, fail)
    api = BigCommerceAPI(
        http,
        store_hash=store_hash.strip().lower(),
        access_token=secret(channel, "access_token_env", environ),
        api_base_url=api_base_url,
    )
    return BigCommerceConnector(
        channel.name,
        api,
        client_secret=secret(channel, "client_secret_env", environ),
        location_id=location_id,
        default_location=default,
        webhook_header=_webhook_header(channel, environ, fail),
    )


def _webhook_header(
    channel: ChannelConfig, environ: Mapping[str, str], fail: Callable[[str], ConfigError]
) -> tuple[str, str] | None:
    """(header name, value) when the channel sets both keys, None when it sets neither."""
    settings = channel.settings()
    name, has_value = settings.get("webhook_header"), "webhook_header_value_env" in settings
    if name is None and not has_value:
        return None
    if name is None or not has_value:
        raise fail("set webhook_header and webhook_header_value_env together, or neither")
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise fail("webhook_header must be a header name, like X-Syncbot-Webhook")
    return name, secret(channel, "webhook_header_value_env", environ)
