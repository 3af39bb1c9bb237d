"""Moved to `syncbot.store.status` (the store owns every read model); kept while the web,
CLI and Slack adapters still import it from here."""

from syncbot.store.status import (
    ChannelStatus,
    ListingFilter,
    channel_status,
    listing_state,
    listing_states,
    refresh_gauges,
)

__all__ = [
    "ChannelStatus",
    "ListingFilter",
    "channel_status",
    "listing_state",
    "listing_states",
    "refresh_gauges",
]
