"""`/api/channels` and `/api/drift`: each channel's sync health and its listings, read-only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from syncbot.app import channels
from syncbot.app.channels import ListingFilter, ListingView
from syncbot.ledger.limits import quoted
from syncbot.web.auth import AUTH_RESPONSES, Access
from syncbot.web.errors import responses
from syncbot.web.fields import ChannelInPath, ChannelInQuery, SkuInQuery


class ChannelOut(BaseModel):
    name: str
    kind: str
    listings: int
    quarantined: int
    held: int
    drifting: int
    drift_units: int
    """Sum over listings of |channel level - what syncbot would publish|, at the last check."""
    unlisted: int
    """Catalogue SKUs without a listing on this channel: never pushed there."""
    synced_at: datetime | None
    error: str | None
    error_at: datetime | None
    failures: int
    """Syncs in a row that a whole-call error stopped; 0 after a good one."""
    drift_checked_at: datetime | None


class PushOut(BaseModel):
    """One planned change of one listing: what was sent, under which key, and the answer."""

    id: int
    channel: str
    sku: str
    inventory_id: str
    quantity: int
    expected: int | None
    """The compare-and-set value: what syncbot believed the channel held."""
    explanation: str
    idempotency_key: str
    status: str
    """sending (not answered yet), acknowledged, stale, failed or abandoned."""
    acknowledged: int | None
    error: str | None
    sent_at: datetime
    finished_at: datetime | None


def channels_router(kinds: Mapping[str, str], access: Access) -> APIRouter:
    """`kinds`: every declared channel's name and kind, in the channels file's order.
    Every route reads, with a viewer's token."""
    router = APIRouter(
        prefix="/api",
        tags=["channels"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/channels")
    async def get_channels() -> list[ChannelOut]:
        """Each channel's listings, quarantines, holds, drift and last sync."""
        return [
            ChannelOut.model_validate(
                {**asdict(status), "name": status.channel, "kind": kinds[status.channel]}
            )
            for status in await channels.statuses(list(kinds))
        ]

    @router.get("/channels/{channel}/listings", responses=responses(404))
    async def get_listings(
        channel: ChannelInPath, state: ListingFilter = ListingFilter.ALL
    ) -> list[ListingView]:
        """A channel's listings and their sync state; `state` filters; 404 unknown channel."""
        if channel not in kinds:
            raise HTTPException(404, f"no channel named {quoted(channel)}")
        return await channels.listings(channel, state)

    @router.get("/channels/{channel}/pushes", responses=responses(404))
    async def get_pushes(
        channel: ChannelInPath,
        sku: SkuInQuery = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[PushOut]:
        """The channel's pushes newest first, of one SKU or all; 404 unknown channel."""
        if channel not in kinds:
            raise HTTPException(404, f"no channel named {quoted(channel)}")
        rows = await channels.pushes(channel, sku, limit)
        return [PushOut.model_validate(row, from_attributes=True) for row in rows]

    @router.get("/drift", responses=responses(404))
    async def get_drift(channel: ChannelInQuery = None) -> list[ListingView]:
        """Listings whose channel level differed from the plan at the last drift check."""
        if channel is not None and channel not in kinds:
            raise HTTPException(404, f"no channel named {quoted(channel)}")
        names = [channel] if channel else list(kinds)
        return [
            row for name in names for row in await channels.listings(name, ListingFilter.DRIFTING)
        ]

    return router
