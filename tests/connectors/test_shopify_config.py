"""A Shopify channel from the channels file: every key checked, loudly, before anything starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.registry import build_connectors
from connectors.shopify.connector import ShopifyConnector
from syncbot.channels_file import ChannelsFile
from syncbot.config import ConfigError

ENV = {"SHOP_TOKEN": "shpat_dummy", "SHOP_SECRET": "dummy-secret"}  # dummies for tests
CHANNEL = {
    "name": "shop",
    "kind": "shopify",
    "shop": "example.myshopify.com",
    "access_token_env": "SHOP_TOKEN",
    "webhook_secret_env": "SHOP_SECRET",
    "locations": {"65760001": "main", "gid://shopify/Location/65760002": "east"},
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def build(http: httpx.AsyncClient, env: dict[str, str] | None = None, **changes: Any) -> Any:
    channel = {key: value for key, value in {**CHANNEL, **changes}.items() if value is not None}
    channels = ChannelsFile.model_validate({"locations": ["main", "east"], "channels": [channel]})
    return build_connectors(channels, ENV if env is None else env, http)["shop"]


async def test_a_complete_channel_builds_a_shopify_connector(http: httpx.AsyncClient) -> None:
    """Numeric and gid location keys both map; the default API version is 2026-10."""
    connector = build(http)

    assert isinstance(connector, ShopifyConnector)
    assert connector.batch_limit == 250
    assert repr(connector) == "ShopifyConnector('shop', shop='example.myshopify.com')"
    admin = connector._admin
    assert admin.url == "https://example.myshopify.com/admin/api/2026-10/graphql.json"
    assert connector.bulk_read_above == 2000


async def test_bulk_reads_above_sets_the_bulk_threshold(http: httpx.AsyncClient) -> None:
    """bulk_reads_above is how many listings a read takes before it is a bulk operation."""
    assert build(http, bulk_reads_above=500).bulk_read_above == 500


async def test_api_base_url_replaces_the_shop_url(http: httpx.AsyncClient) -> None:
    """api_base_url points the Admin API at a proxy or a local test server."""
    connector = build(http, api_base_url="http://127.0.0.1:8765/shopify", api_version="2026-07")
    assert connector._admin.url == "http://127.0.0.1:8765/shopify/admin/api/2026-07/graphql.json"


async def test_the_channel_sells_from_its_default_location_and_the_ones_it_maps(
    http: httpx.AsyncClient,
) -> None:
    """The connector names the locations its orders land in: default first, then the map."""
    assert build(http).locations == ("main", "east")
    assert build(http, default_location="east").locations == ("east", "main")
    assert build(http, locations={"65760002": "east"}).locations == ("main", "east")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHOP_SECRET": "dummy-secret"}, "environment variable SHOP_TOKEN is not set"),
        ({"SHOP_TOKEN": "shpat_dummy", "SHOP_SECRET": ""}, "environment variable SHOP_SECRET"),
    ],
)
async def test_a_missing_or_empty_secret_fails_naming_its_variable(
    http: httpx.AsyncClient, env: dict[str, str], message: str
) -> None:
    """An unset or empty secret is a ConfigError that names the variable, not its value."""
    with pytest.raises(ConfigError, match=message):
        build(http, env)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"token_name": "x"}, "unknown key token_name"),
        ({"shop": "example.com"}, "myshopify domain"),
        ({"shop": None}, "myshopify domain"),
        ({"api_version": "latest"}, "not a Shopify API version"),
        ({"api_base_url": "ftp://proxy"}, "http"),
        ({"locations": {"65760001": "warehouse"}}, "'warehouse' is not declared"),
        ({"locations": {"not-an-id": "main"}}, "not a Shopify location id"),
        ({"locations": ["main"]}, "table of Shopify location ids"),
        ({"default_location": "back"}, "default_location 'back' is not declared"),
        ({"locations": {"1": "main", "2": "main"}}, "all map to 'main'"),
        ({"bulk_reads_above": 0}, "bulk_reads_above 0 is not a count of listings"),
        ({"bulk_reads_above": "many"}, "bulk_reads_above 'many' is not a count"),
    ],
)
async def test_a_wrong_setting_fails_at_start_in_one_line(
    http: httpx.AsyncClient, changes: dict[str, Any], message: str
) -> None:
    """Unknown keys, a bad shop, an undeclared location: a ConfigError saying what to fix."""
    with pytest.raises(ConfigError, match=message) as caught:
        build(http, **changes)
    assert str(caught.value).startswith("channel 'shop': ")
