"""`/api/channels` and `/api/drift`: each channel's sync health and its listings (viewer);
releasing quarantined listings and syncing a channel now, or a dry run (manager)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from connectors.base import ConnectorError
from syncbot.app import channels
from syncbot.app.channels import ListingFilter, ListingView
from syncbot.app.roles import Role
from syncbot.app.syncing import ChannelSyncs, DryRunLine
from syncbot.ledger.limits import quoted
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import ErrorOut, responses
from syncbot.web.fields import ChannelInPath, ChannelInQuery, SkuCode, SkuInQuery

MAX_RELEASE = 1000
"""SKUs one release may name; `all` releases any number."""
NO_SYNC_CHANNELS = (
    "this service syncs no channel on request: no channel in the channels file has a "
    "connector here (run `syncbot sync` where the channels are configured)"
)


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
    abandoned: int
    """Listings whose last push batch was refused whole too often: read again, re-planned."""


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


class ReleaseRequest(BaseModel):
    """`{"skus": [...]}` or `{"all": true}`, as `syncbot channels release NAME SKU... | --all`."""

    model_config = ConfigDict(extra="forbid")
    skus: Annotated[list[SkuCode], Field(max_length=MAX_RELEASE)] = []
    all: bool = False


class Released(BaseModel):
    channel: str
    released: int
    """Listings lifted from quarantine (a SKU not quarantined there counts nothing)."""


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


class SyncOut(BaseModel):
    """What a sync did, as `syncbot sync` sums it up."""

    channel: str
    listings: int
    pushed: int
    in_sync: int
    held: int
    read: int
    stale: int
    quarantined: list[str]
    resumed: int
    refused: int
    abandoned: list[str]
    drift: dict[str, int]
    """Units recorded as drift when a hold ran out, by SKU."""
    error: str | None
    """The whole-call error that stopped the sync (the next sync resends what was not
    confirmed), or null."""


class DryRunOut(BaseModel):
    """The plan against the levels the channel shows now: nothing was pushed."""

    channel: str
    lines: list[DryRunLine]
    """Per listing: `channel_now` (read just now), `will_send`, `action` (push, in_sync,
    hold, quarantined) and `why`."""
    unlisted: list[str]
    """Catalogue SKUs the channel has no listing for: never pushed there."""


CHANNEL_UNREACHABLE: dict[int | str, dict[str, object]] = {
    502: {"model": ErrorOut, "description": "The channel's API failed while it was read"}
}


def channels_router(
    kinds: Mapping[str, str], access: Access, syncs: ChannelSyncs | None = None
) -> APIRouter:
    """`kinds`: every declared channel's name and kind, in the channels file's order;
    `syncs`: the channels this process pushes to, with the scheduler's locks. Reading
    needs a viewer's token; releasing and syncing a manager's."""
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

    def known(channel: str) -> None:
        if channel not in kinds:
            raise HTTPException(404, f"no channel named {quoted(channel)}")

    @router.post("/channels/{channel}/release", responses=responses(400, 403, 404))
    async def release(
        channel: ChannelInPath,
        body: ReleaseRequest,
        caller: Caller = Depends(access.require(Role.MANAGER)),  # noqa: B008 (see auth.Access.require)
    ) -> Released:
        """Lifts quarantine from the listed SKUs' listings, or from all with `"all": true`;
        the next sync pushes them. 200 how many; 403 below manager; 404 unknown channel;
        422 neither SKUs nor `all`, or both."""
        known(channel)
        if body.all == bool(body.skus):
            raise HTTPException(
                422, 'name the SKUs to release ("skus": [...]) or send "all": true, not both'
            )
        count = await channels.release(channel, None if body.all else list(body.skus))
        return Released(channel=channel, released=count)

    @router.post(
        "/channels/{channel}/sync",
        responses={**responses(400, 403, 404, 409), **CHANNEL_UNREACHABLE},
    )
    async def sync_now(
        channel: ChannelInPath,
        dry_run: Annotated[bool, Query()] = False,
        body: Annotated[SyncRequest | None, Body()] = None,
        caller: Caller = Depends(access.require(Role.MANAGER)),  # noqa: B008 (see auth.Access.require)
    ) -> SyncOut | DryRunOut:
        """Pushes the channel now (after a scheduled push of it, if one is running), or
        with `dry_run` (query or body) reads its levels and answers the plan, pushing
        nothing. 200 the sync's summary or the plan; 403 below manager; 404 unknown
        channel; 409 a channel this process cannot push to; 502 the channel's API failed
        during a dry run (a sync reports it in `error` instead)."""
        known(channel)
        if syncs is None or channel not in syncs:
            raise HTTPException(409, NO_SYNC_CHANNELS)
        if dry_run or (body is not None and body.dry_run):
            try:
                preview = await syncs.dry_run(channel)
            except ConnectorError as error:
                raise HTTPException(502, f"{channel}: {error}") from error
            return DryRunOut(channel=channel, lines=preview.lines, unlisted=preview.unlisted)
        return SyncOut.model_validate(asdict(await syncs.sync(channel)))

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
