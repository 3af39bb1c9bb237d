"""A fake channel from the channels file: checked like every storefront's."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.fake import FAKE_KEYS, FakeConnector, fake_connector
from syncbot.config import ChannelsFile, ConfigError

ENV = {"DEMO_SECRET": "dummy-secret"}  # a dummy for tests


def build(**changes: Any) -> FakeConnector:
    channel = {"name": "demo", "kind": "fake", "webhook_secret_env": "DEMO_SECRET", **changes}
    channels = ChannelsFile.model_validate({"locations": ["main"], "channels": [channel]})
    return fake_connector(channels.channels[0], ENV)


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
