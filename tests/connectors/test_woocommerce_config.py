"""A WooCommerce channel from the channels file: every key checked before anything starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.settings import BuildContext
from connectors.woocommerce.config import WOOCOMMERCE_KEYS
from connectors.woocommerce.config import build as build_woocommerce
from connectors.woocommerce.connector import WooCommerceConnector
from syncbot.channels_file import ChannelsFile
from syncbot.config import ConfigError

ENV = {"WOO_KEY": "ck_dummy", "WOO_SECRET": "cs_dummy", "WOO_HOOK": "dummy-hook"}  # dummies
CHANNEL = {
    "name": "woo",
    "kind": "woocommerce",
    "url": "https://shop.example.com/",
    "consumer_key_env": "WOO_KEY",
    "consumer_secret_env": "WOO_SECRET",
    "webhook_secret_env": "WOO_HOOK",
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def build(http: httpx.AsyncClient, env: dict[str, str] | None = None, **changes: Any) -> Any:
    channel = {key: value for key, value in {**CHANNEL, **changes}.items() if value is not None}
    channels = ChannelsFile.model_validate({"locations": ["main", "east"], "channels": [channel]})
    context = BuildContext(channels.locations, ENV if env is None else env, http)
    return build_woocommerce(channel["name"], channels.channels[0].settings(), context)


async def test_a_complete_channel_builds_a_woocommerce_connector(http: httpx.AsyncClient) -> None:
    """The stock figure maps to "main" by default; the API lives under /wp-json/wc/v3."""
    connector = build(http)

    assert isinstance(connector, WooCommerceConnector)
    assert connector.batch_limit == 100
    assert connector.location == "main"
    assert repr(connector) == "WooCommerceConnector('woo', url='https://shop.example.com')"


async def test_default_location_maps_the_stock_figure_elsewhere(http: httpx.AsyncClient) -> None:
    """A store that ships from another declared location says so with default_location."""
    connector = build(http, default_location="east")
    assert connector.location == "east"
    assert connector.locations == ("east",), "the channel sells from where its stock is"


async def test_a_store_in_a_subdirectory_keeps_its_path(http: httpx.AsyncClient) -> None:
    """WordPress installed under /shop serves its API under /shop/wp-json."""
    assert build(http, url="https://example.com/shop")._api.url == "https://example.com/shop"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8123", "http://localhost:8123/shop"])
async def test_plain_http_is_taken_on_a_loopback_host_only(
    http: httpx.AsyncClient, url: str
) -> None:
    """A local emulator (the demo's) may speak http: the keys never leave the machine."""
    assert build(http, url=url)._api.url == url


async def test_an_unknown_key_names_every_allowed_key(http: httpx.AsyncClient) -> None:
    """A typo is refused, and the message lists what a woocommerce channel takes."""
    with pytest.raises(ConfigError) as caught:
        build(http, store_url="https://shop.example.com")

    message = str(caught.value)
    assert "unknown key store_url" in message
    assert all(key in message for key in WOOCOMMERCE_KEYS)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": None}, "set url to the store's base URL"),
        ({"url": "http://shop.example.com"}, "must be an https URL"),
        ({"url": "shop.example.com"}, "must be an https URL"),
        ({"url": "https://shop.example.com/?x=1"}, "no query"),
        ({"url": "https://user:pw@shop.example.com"}, "no query, fragment or credentials"),
        ({"url": "https://shop.example.com/wp-json/wc/v3"}, "without /wp-json/wc/v3"),
        ({"url": 42}, "set url"),
        ({"default_location": "warehouse"}, "'warehouse' is not declared"),
        ({"consumer_key_env": None}, "set consumer_key_env to an environment variable name"),
    ],
)
async def test_a_wrong_setting_fails_naming_it(
    http: httpx.AsyncClient, changes: dict[str, Any], message: str
) -> None:
    """Each mistake is one ConfigError that says what to set."""
    with pytest.raises(ConfigError, match=message):
        build(http, **changes)


@pytest.mark.parametrize("missing", ["WOO_KEY", "WOO_SECRET", "WOO_HOOK"])
async def test_a_missing_secret_fails_naming_its_variable(
    http: httpx.AsyncClient, missing: str
) -> None:
    """An unset secret is named by its variable, never by a value."""
    env = {name: value for name, value in ENV.items() if name != missing}
    with pytest.raises(ConfigError, match=f"environment variable {missing} is not set") as caught:
        build(http, env)

    assert not any(value in str(caught.value) for value in ENV.values())
