"""A channel's own settings, read by its kind from the raw channel table, checked alike.

The channels file hands each kind the table of one `[[channels]]` entry, without the keys
every channel shares (name, kind, policy, sells_from); the kind's `config.py` reads its
own keys from it. These are the checks they share: no unknown key, a declared default
location, and secrets that live in environment variables the table names, never in it.

    ConfigError    a setting is missing or wrong; the message says what to set. syncbot's
                   start-up raises the same type, so every start-up problem reads alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from syncbot.ledger import DEFAULT_LOCATION


class ConfigError(Exception):
    """A setting is missing or wrong; the message says what to set."""


Fail = Callable[[str], ConfigError]


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What every channel is built with, besides its own table."""

    locations: Sequence[str]
    """The locations the channels file declares; a channel may only name these."""
    environ: Mapping[str, str]
    """Where the secrets are: the table names the variables, never the values."""
    http: httpx.AsyncClient
    """The one HTTP client every connector shares (its pool, its timeouts)."""


def failing(name: str) -> Fail:
    """How to word a problem with one of channel `name`'s settings."""

    def fail(message: str) -> ConfigError:
        return ConfigError(f"channel {name!r}: {message}")

    return fail


def checked_settings(
    name: str, kind: str, table: Mapping[str, Any], allowed: frozenset[str]
) -> tuple[dict[str, Any], Fail]:
    """The channel's keys, none unknown, and how to word a problem with one of them."""
    fail = failing(name)
    unknown = sorted(set(table) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise fail(f"unknown key {', '.join(unknown)} (a {kind} channel takes {known})")
    return dict(table), fail


def default_location(settings: Mapping[str, Any], declared: Sequence[str], fail: Fail) -> str:
    """Where the channel's stock is held in syncbot unless it maps its own locations."""
    location = settings.get("default_location", DEFAULT_LOCATION)
    if location not in declared:
        raise fail(f"default_location {location!r} is not declared in the file's locations")
    return str(location)


def secret_variables(table: Mapping[str, Any]) -> list[str]:
    """The environment variables a channel's table names for its secrets."""
    return [
        value
        for key, value in sorted(table.items())
        if key.endswith("_env") and isinstance(value, str)
    ]


def secret(name: str, table: Mapping[str, Any], key: str, environ: Mapping[str, str]) -> str:
    """The secret held by the environment variable that channel `name` names under `key`."""
    variable = table.get(key)
    if not isinstance(variable, str) or not variable:
        raise ConfigError(f"channel {name!r}: set {key} to an environment variable name")
    value = environ.get(variable)
    if not value:
        raise ConfigError(f"channel {name!r}: environment variable {variable} is not set")
    return value
