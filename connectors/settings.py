"""A channel's own settings, checked the same way for every storefront.

Each connector validates its keys; these are the checks they share: no unknown key, a
declared default location, and secrets that live in environment variables the channels
file names, never in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from syncbot.config import ChannelConfig, ConfigError
from syncbot.ledger import DEFAULT_LOCATION

Fail = Callable[[str], ConfigError]


def checked_settings(
    channel: ChannelConfig, allowed: frozenset[str]
) -> tuple[dict[str, Any], Fail]:
    """The channel's keys, none unknown, and how to word a problem with one of them."""
    settings = channel.settings()

    def fail(message: str) -> ConfigError:
        return ConfigError(f"channel {channel.name!r}: {message}")

    unknown = sorted(set(settings) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise fail(f"unknown key {', '.join(unknown)} (a {channel.kind} channel takes {known})")
    return settings, fail


def default_location(settings: Mapping[str, Any], declared: Sequence[str], fail: Fail) -> str:
    """Where the channel's stock is held in syncbot unless it maps its own locations."""
    location = settings.get("default_location", DEFAULT_LOCATION)
    if location not in declared:
        raise fail(f"default_location {location!r} is not declared in the file's locations")
    return str(location)


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
