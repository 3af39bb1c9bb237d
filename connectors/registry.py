"""Which kind builds which connector: a plain mapping, kind → its config's `build`.

Each kind reads its own settings from the raw channel table (its `config.py`); this module
only knows the kinds' names. `build` is what the composition root calls once per declared
channel; `build_connectors` does that for a whole channels file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import httpx

from connectors import fake, settings
from connectors.base import Connector
from connectors.bigcommerce import config as bigcommerce
from connectors.settings import BuildContext, ConfigError
from connectors.shopify import config as shopify
from connectors.woocommerce import config as woocommerce

Factory = Callable[[str, Mapping[str, Any], BuildContext], Connector]
"""`build(name, table, context)`: the kind reads `table` and raises ConfigError naming
the key to fix; nothing is called over the network."""

FACTORIES: Mapping[str, Factory] = {
    "fake": fake.build,
    "shopify": shopify.build,
    "woocommerce": woocommerce.build,
    "bigcommerce": bigcommerce.build,
}
KINDS = tuple(FACTORIES)
__all__ = [
    "FACTORIES",
    "KINDS",
    "BuildContext",
    "build",
    "build_connectors",
    "secret_variables",
]


def build(name: str, kind: str, table: Mapping[str, Any], context: BuildContext) -> Connector:
    """The connector of one channel; an unknown kind fails at start, naming the known ones."""
    factory = FACTORIES.get(kind)
    if factory is None:
        raise ConfigError(f"channel {name!r}: kind {kind!r} is not supported ({', '.join(KINDS)})")
    return factory(name, table, context)


class ChannelEntry(Protocol):
    """One `[[channels]]` entry as the channels file reads it (channels_file.ChannelConfig)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def settings(self) -> dict[str, Any]:
        """The raw table, without the keys every channel shares."""
        ...


class ChannelsDeclaration(Protocol):
    """The channels file as far as connectors care (channels_file.ChannelsFile)."""

    @property
    def locations(self) -> Sequence[str]: ...

    @property
    def channels(self) -> Sequence[ChannelEntry]: ...


def build_connectors(
    channels: ChannelsDeclaration, environ: Mapping[str, str], http: httpx.AsyncClient
) -> dict[str, Connector]:
    """One connector per declared channel; a missing secret fails at start, naming it."""
    context = BuildContext(locations=channels.locations, environ=environ, http=http)
    return {
        channel.name: build(channel.name, channel.kind, channel.settings(), context)
        for channel in channels.channels
    }


def secret_variables(channel: ChannelEntry) -> list[str]:
    """The environment variables a declared channel names for its secrets."""
    return settings.secret_variables(channel.settings())
