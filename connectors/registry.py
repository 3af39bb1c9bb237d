"""Builds each channel's connector from the channels file and the environment's secrets."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from connectors.base import Connector
from connectors.fake import FakeConnector
from syncbot.config import ChannelConfig, ChannelsFile, ConfigError

KINDS = ("fake",)


def build_connectors(
    channels: ChannelsFile, environ: Mapping[str, str], http: httpx.AsyncClient
) -> dict[str, Connector]:
    """One connector per declared channel; a missing secret fails at start, naming it."""
    return {channel.name: _build(channel, environ, http) for channel in channels.channels}


def _build(
    channel: ChannelConfig, environ: Mapping[str, str], http: httpx.AsyncClient
) -> Connector:
    if channel.kind == "fake":
        return FakeConnector(channel.name, secret(channel, "webhook_secret_env", environ))
    raise ConfigError(
        f"channel {channel.name!r}: kind {channel.kind!r} is not supported ({', '.join(KINDS)})"
    )


def secret_variables(channel: ChannelConfig) -> list[str]:
    """The environment variables a channel names for its secrets."""
    return [
        value
        for key, value in sorted(channel.settings().items())
        if key.endswith("_env") and isinstance(value, str)
    ]


def secret(channel: ChannelConfig, key: str, environ: Mapping[str, str]) -> str:
    """The secret held by the environment variable a channel names under `key`."""
    variable = channel.settings().get(key)
    if not isinstance(variable, str) or not variable:
        raise ConfigError(f"channel {channel.name!r}: set {key} to an environment variable name")
    value = environ.get(variable)
    if not value:
        raise ConfigError(f"channel {channel.name!r}: environment variable {variable} is not set")
    return value
