"""A BigCommerce channel from its table in the channels file: every key checked at start.

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
from collections.abc import Mapping
from typing import Any

from connectors.bigcommerce.api import BigCommerceAPI
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.settings import BuildContext, Fail, checked_settings, default_location, secret

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


def build(name: str, table: Mapping[str, Any], context: BuildContext) -> BigCommerceConnector:
    """A BigCommerce channel: every key checked, its location declared, its secrets set."""
    settings, fail = checked_settings(name, "bigcommerce", table, BIGCOMMERCE_KEYS)
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
    default = default_location(settings, context.locations, fail)
    api = BigCommerceAPI(
        context.http,
        store_hash=store_hash.strip().lower(),
        access_token=secret(name, table, "access_token_env", context.environ),
        api_base_url=api_base_url,
    )
    return BigCommerceConnector(
        name,
        api,
        client_secret=secret(name, table, "client_secret_env", context.environ),
        location_id=location_id,
        default_location=default,
        webhook_header=_webhook_header(name, table, context.environ, fail),
    )


def _webhook_header(
    name: str, table: Mapping[str, Any], environ: Mapping[str, str], fail: Fail
) -> tuple[str, str] | None:
    """(header name, value) when the channel sets both keys, None when it sets neither."""
    header, has_value = table.get("webhook_header"), "webhook_header_value_env" in table
    if header is None and not has_value:
        return None
    if header is None or not has_value:
        raise fail("set webhook_header and webhook_header_value_env together, or neither")
    if not isinstance(header, str) or not _HEADER_NAME.match(header):
        raise fail("webhook_header must be a header name, like X-Syncbot-Webhook")
    return header, secret(name, table, "webhook_header_value_env", environ)
