"""A fake channel from the channels file: checked like every storefront's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.fake import FAKE_KEYS, FakeConnector
from connectors.fake import build as build_fake
from connectors.registry import build_connectors
from connectors.settings import BuildContext
from syncbot.channels_file import ChannelConfig, ChannelsFile
from syncbot.config import ConfigError
from syncbot.sync.channels import sync_channel

ENV = {"DEMO_SECRET": "dummy-secret"}  # a dummy for tests


def build(**changes: Any) -> FakeConnector:
    channel = {"name": "demo", "kind": "fake", "webhook_secret_env": "DEMO_SECRET", **changes}
    channels = ChannelsFile.model_validate({"locations": ["main"], "channels": [channel]})
    context = BuildContext(channels.locations, ENV, httpx.AsyncClient())
    return build_fake("demo", channels.channels[0].settings(), context)


def test_a_fake_channel_takes_its_webhook_secret_from_the_environment() -> None:
    """webhook_secret_env names the variable holding the secret."""
    assert build().name == "demo"


def test_an_unknown_key_is_refused_naming_the_keys_it_takes() -> None:
    """A key of another kind (shop) or a typo never passes silently."""
    with pytest.raises(ConfigError, match="unknown key shop") as refused:
        build(shop="example.myshopify.com")
    assert all(key in str(refused.value) for key in FAKE_KEYS)


def test_a_missing_secret_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="webhook_secret_env"):
        build(webhook_secret_env=None)


def test_a_channel_sells_from_its_connectors_locations_unless_sells_from_says() -> None:
    """The locations are a property of the port; the sync reads them, not the table."""
    connector = FakeConnector("demo", "dummy-secret", locations=["east", "main", "east"])
    config = ChannelConfig(name="demo", kind="fake")
    assert sync_channel(config, connector).sells_from == ("east", "main")
    chosen = ChannelConfig(name="demo", kind="fake", sells_from=["main"])
    assert sync_channel(chosen, connector).sells_from == ("main",)


def test_an_unknown_kind_fails_naming_the_kinds_there_are() -> None:
    """The registry maps each kind to its config's build; a typo in kind never passes."""
    channel = {"name": "demo", "kind": "shopifi", "webhook_secret_env": "DEMO_SECRET"}
    channels = ChannelsFile.model_validate({"locations": ["main"], "channels": [channel]})
    with pytest.raises(ConfigError, match="kind 'shopifi' is not supported") as refused:
        build_connectors(channels, ENV, httpx.AsyncClient())
    assert "fake, shopify, woocommerce, bigcommerce" in str(refused.value)
