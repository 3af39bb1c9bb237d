"""A channel as the sync sees it: its connector, the locations it sells from and its policy."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from connectors.base import Connector, Listing
from syncbot.channels_file import ChannelConfig, ChannelsFile
from syncbot.ledger.allocation import Allocation, Incoming, Policy, publish
from syncbot.ledger.bundle_listing import sellable
from syncbot.ledger.bundles import Recipe
from syncbot.store import incoming as store_incoming
from syncbot.store.listings import ListingRow


@dataclass(frozen=True, slots=True)
class SyncChannel:
    connector: Connector
    sells_from: tuple[str, ...]
    policy: Policy = field(default_factory=Policy)
    overrides: Mapping[str, Policy] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.connector.name

    def policy_for(self, sku: str) -> Policy:
        return self.overrides.get(sku, self.policy)

    def allocate(
        self,
        sku: str,
        available: Mapping[str, int],
        incoming: Sequence[Incoming] = (),
        today: date | None = None,
    ) -> Allocation:
        """What the channel should show of `sku`: the one place its policy is applied."""
        return publish(
            available,
            self.sells_from,
            self.policy_for(sku),
            ceiling=self.ceiling,
            holder=self.holder,
            incoming=incoming,
            today=today,
        )

    def allocate_bundle(
        self,
        recipe: Recipe,
        available: Mapping[str, Mapping[str, int]],
        incoming: Mapping[str, Sequence[Incoming]],
        today: date | None = None,
    ) -> Allocation:
        """What the channel should show of a bundle: its components' stock as bundles
        (`available`: component → location → units), under the bundle's own policy."""
        policy = self.policy_for(recipe.bundle)
        supply = sellable(
            recipe, available, self.sells_from, policy, incoming=incoming, today=today
        )
        allocation = publish(
            supply.available,
            self.sells_from,
            policy,
            ceiling=self.ceiling,
            holder=self.holder,
            incoming=supply.incoming,
            today=today,
        )
        return Allocation(allocation.quantity, f"{allocation.explanation} ({supply.explain()})")

    async def incoming(self, skus: Collection[str]) -> Mapping[str, Sequence[Incoming]]:
        """The open purchase order lots of `skus`, read only when the channel sells them."""
        if not self.policy.sell_incoming:
            return {}
        return await store_incoming.lots(skus)

    @property
    def ceiling(self) -> int | None:
        """The largest quantity the channel can hold; the planner clamps to it."""
        return getattr(self.connector, "max_quantity", None)

    @property
    def holder(self) -> str:
        """Whose limit a clamp names: "Shopify" for a ShopifyConnector, else the channel."""
        return type(self.connector).__name__.removesuffix("Connector") or self.name


def sync_channels(
    channels: ChannelsFile, connectors: Mapping[str, Connector]
) -> dict[str, SyncChannel]:
    """One SyncChannel per declared channel that has a connector."""
    return {
        config.name: sync_channel(config, connectors[config.name])
        for config in channels.channels
        if config.name in connectors
    }


def sync_channel(config: ChannelConfig, connector: Connector) -> SyncChannel:
    policy = Policy(
        config.policy.buffer,
        config.policy.percent,
        config.policy.max,
        sell_incoming=config.policy.sell_incoming,
        incoming_within_days=config.policy.incoming_within_days,
    )
    overrides = {
        sku: policy.merged(override.model_dump(exclude_none=True))
        for sku, override in config.policy.skus.items()
    }
    return SyncChannel(connector, tuple(sells_from(config, connector)), policy, overrides)


def sells_from(config: ChannelConfig, connector: Connector) -> Sequence[str]:
    """`sells_from` if given, else the locations the connector says its channel sells from."""
    return list(dict.fromkeys(config.sells_from or connector.locations))


def as_listing(row: ListingRow) -> Listing:
    """A stored listing as the connector interface takes it."""
    return Listing(sku=row.sku, listing_id=row.listing_id, inventory_id=row.inventory_id)
