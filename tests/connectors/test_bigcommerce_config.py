"""A BigCommerce channel from the channels file: every key checked, loudly, at start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connectors.bigcommerce.config import BIGCOMMERCE_KEYS
from connectors.bigcommerce.config import build as build_bigcommerce
from connectors.bigcommerce.connector import BigCommerceConnector
from connectors.settings import BuildContext
from syncbot.channels_file import ChannelsFile
from syncbot.config import ConfigError

# Dummies for tests.
ENV = {"BC_TOKEN": "dummy-token", "BC_SECRET": "dummy-client-secret", "BC_HOOK": "dummy-value"}
CHANNEL = {
    "name": "bc",
    "kind": "bigcommerce",
    "store_hash": "abc123",
    "access_token_env": "BC_TOKEN",
    "client_secret_env": "BC_SECRET",
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def build(http: httpx.AsyncClient, env: dict[str, str] | None = None, **changes: Any) -> Any:
    channel = {key: value for key, value in {**CHANNEL, **changes}.items() if value is not None}
    channels = ChannelsFile.model_validate({"locations": ["main", "east"], "channels": [channel]})
    context = BuildContext(channels.locations, ENV if env is None else env, http)
    return build_bigcommerce(channel["name"], channels.channels[0].settings(), context)


async def test_a_complete_channel_builds_a_bigcommerce_connector(
    http: httpx.AsyncClient,
) -> None:
    """Defaults: api.bigcommerce.com for the store, location 1, syncbot location main."""
    connector = build(http)

    assert isinstance(connector, BigCommerceConnector)
    assert connector.batch_limit == 2000
    assert repr(connector) == "BigCommerceConnector('bc', store_hash='abc123')"
    assert connector._api.base_url == "https://api.bigcommerce.com/stores/abc123"
    assert connector._location_id == 1
    assert connector._location == "main"
    assert connector._webhook_header is None


async def test_every_optional_key_is_taken(http: httpx.AsyncClient) -> None:
    """api_base_url, location_id, default_location and the webhook header pair."""
    connector = build(
        http,
        api_base_url="http://127.0.0.1:8765/bc/",
        location_id=3,
        default_location="east",
        webhook_header="X-Syncbot-Webhook",
        webhook_header_value_env="BC_HOOK",
    )
    assert connector._api.base_url == "http://127.0.0.1:8765/bc"
    assert connector._location_id == 3
    assert connector._location == "east"
    assert connector.locations == ("east",), "its orders' units are held there"
    assert connector._webhook_header == ("X-Syncbot-Webhook", "dummy-value")


async def test_an_unknown_key_is_refused_naming_the_allowed_keys(http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError) as refused:
        build(http, shop="example.myshopify.com")
    message = str(refused.value)
    assert "unknown key shop" in message
    assert all(key in message for key in BIGCOMMERCE_KEYS)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"store_hash": None}, "set store_hash"),
        ({"store_hash": "stores/abc123"}, "set store_hash"),
        ({"api_base_url": "ftp://proxy"}, "http"),
        ({"location_id": "1"}, "location_id must be"),
        ({"location_id": 0}, "location_id must be"),
        ({"location_id": True}, "location_id must be"),
        ({"default_location": "warehouse"}, "'warehouse' is not declared"),
        ({"webhook_header": "X-Hook"}, "together, or neither"),
        ({"webhook_header_value_env": "BC_HOOK"}, "together, or neither"),
        ({"webhook_header": "X Hook", "webhook_header_value_env": "BC_HOOK"}, "header name"),
    ],
)
async def test_a_wrong_setting_says_what_to_set(
    http: httpx.AsyncClient, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        build(http, **changes)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BC_SECRET": "dummy-client-secret"}, "BC_TOKEN"),
        ({"BC_TOKEN": "dummy-token"}, "BC_SECRET"),
        ({"BC_TOKEN": "dummy-token", "BC_SECRET": ""}, "BC_SECRET"),
    ],
)
async def test_a_missing_secret_fails_naming_its_variable_not_a_value(
    http: httpx.AsyncClient, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError, match=f"environment variable {variable} is not set") as error:
        build(http, env)
    assert "dummy" not in str(error.value)


async def test_the_header_value_is_a_secret_from_the_environment(http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError, match="BC_HOOK is not set"):
        build(
            http,
            {"BC_TOKEN": "t", "BC_SECRET": "s"},
            webhook_header="X-Hook",
            webhook_header_value_env="BC_HOOK",
        )
