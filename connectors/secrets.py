"""A channel's secrets: the channels file names environment variables, never values."""

from __future__ import annotations

from collections.abc import Mapping

from syncbot.config import ChannelConfig, ConfigError


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
