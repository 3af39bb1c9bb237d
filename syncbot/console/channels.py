"""The console's channels pages: each channel's sync health, its listings by state, its
recent pushes; releasing quarantined listings, "sync now" and "dry run".

Reading needs a viewer; releasing and syncing need a manager (`syncbot.app.roles`). A sync
from here goes through the process's `ChannelSyncs`, whose lock per channel the scheduler
holds too, so it never runs beside a scheduled push of the same channel.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from connectors.base import ConnectorError
from syncbot.app import channels
from syncbot.app.channels import ListingFilter
from syncbot.app.roles import Role
from syncbot.app.syncing import ChannelSyncs, DryRun, DryRunLine, SyncReport
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger.limits import MAX_SKU_LENGTH, quoted, text_problem

PAGE_SIZE = 100
MAX_PAGE = 100_000
RECENT_PUSHES = 20
PLAN_SHOWN = 500
"""Dry-run lines shown: the changes first; the rest are counted."""
FILTERS = (
    ListingFilter.QUARANTINED,
    ListingFilter.HELD,
    ListingFilter.DRIFTING,
    ListingFilter.ABANDONED,
    ListingFilter.ALL,
)
NO_SYNC = (
    "This service syncs no channel on request: no channel in the channels file has a "
    "connector here. Run `syncbot sync` where the channels are configured."
)
ChannelName = Annotated[str, Path()]


def _page_number(text: str | None) -> int:
    # ASCII digits only ('²'.isdigit() is true, and int() refuses it), and few of them.
    if text is None or text == "":
        return 1
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not (
        1 <= int(text) <= MAX_PAGE
    ):
        raise PageError(400, f"the page must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


def _state(text: str | None) -> ListingFilter:
    if not text:
        return ListingFilter.ALL
    try:
        return ListingFilter(text)
    except ValueError:
        names = ", ".join(FILTERS)
        raise PageError(400, f"the state must be one of {names}, not {quoted(text)}") from None


def _count(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise PageError(400, f"{what} must be a whole number")
    return int(text)


def channel_url(
    name: str, state: ListingFilter = ListingFilter.ALL, page: int = 1, **extra: object
) -> str:
    """The channel page's stable URL: its filter and page, and what the last change did."""
    query: dict[str, object] = {"state": None if state is ListingFilter.ALL else state.value}
    query |= {"page": page if page > 1 else None, **extra}
    kept = {key: value for key, value in query.items() if value is not None}
    return f"/channels/{quote(name, safe='')}" + (f"?{urlencode(kept)}" if kept else "")


def _plan_lines(preview: DryRun) -> tuple[list[DryRunLine], int]:
    """The lines worth reading first (what would change or is held back), capped."""
    lines = sorted(preview.lines, key=lambda line: (line.action == "in_sync", line.sku))
    return lines[:PLAN_SHOWN], max(0, len(lines) - PLAN_SHOWN)


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)
    manager = console.user(Role.MANAGER)

    def kinds(request: Request) -> dict[str, str]:
        found: dict[str, str] = getattr(request.app.state, "channel_kinds", {})
        return found

    def declared(request: Request, name: str) -> None:
        if name not in kinds(request):
            raise PageError(404, f"No channel is named {quoted(name)}: see the channels page.")

    def syncs_of(name: str) -> ChannelSyncs | None:
        """The use case, when this process can push to the channel."""
        syncs = console.channel_syncs
        return syncs if syncs is not None and name in syncs else None

    @router.get("/channels")
    async def channels_page(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        every = kinds(request)
        return console.render(
            request,
            "channels.html",
            user,
            page="channels",
            kinds=every,
            statuses=await channels.statuses(list(every), with_unlisted=False),
        )

    async def channel_page(
        request: Request,
        user: ConsoleUser,
        name: str,
        *,
        state: ListingFilter = ListingFilter.ALL,
        number: int = 1,
        released: int | None = None,
        report: SyncReport | None = None,
        preview: DryRun | None = None,
    ) -> HTMLResponse:
        (health,) = await channels.statuses([name], with_unlisted=False)
        offset = (number - 1) * PAGE_SIZE
        # The counts are known: a state no listing is in, or a page past the end, reads
        # nothing (a filter scans a large channel's listings otherwise).
        in_state = {
            ListingFilter.QUARANTINED: health.quarantined,
            ListingFilter.HELD: health.held,
            ListingFilter.DRIFTING: health.drifting,
            ListingFilter.ABANDONED: health.abandoned,
        }.get(state, health.listings)
        rows = (
            await channels.listing_page(name, state, offset, PAGE_SIZE + 1)
            if offset < in_state
            else []
        )
        plan, more = _plan_lines(preview) if preview is not None else ([], 0)
        return console.render(
            request,
            "channel.html",
            user,
            page="channels",
            name=name,
            kind=kinds(request)[name],
            health=health,
            state=state,
            filters=FILTERS,
            listings=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
            page_number=number,
            url_for_page=lambda n: channel_url(name, state, n),
            pushes=await channels.pushes(name, None, RECENT_PUSHES),
            may_sync=syncs_of(name) is not None,
            released=released,
            report=report,
            preview=preview,
            plan=plan,
            plan_more=more,
        )

    @router.get("/channels/{name}")
    async def channel(
        request: Request,
        name: ChannelName,
        state: str | None = None,
        page: str | None = None,
        released: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        declared(request, name)
        return await channel_page(
            request,
            user,
            name,
            state=_state(state),
            number=_page_number(page),
            released=_count(released, "released"),
        )

    @router.post("/channels/{name}/release")
    async def release(
        request: Request,
        name: ChannelName,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        """One listing (`sku`), or every quarantined one (`all`); back to the list."""
        declared(request, name)
        form = await console.form(request, user)
        sku, every = form.get("sku"), form.get("all")
        if every == "1":
            count = await channels.release(name)
        elif isinstance(sku, str) and sku:
            if (problem := text_problem(sku, "the SKU", MAX_SKU_LENGTH)) is not None:
                raise PageError(422, problem)
            count = await channels.release(name, [sku])
        else:
            raise PageError(400, "say which listing to release, or release every one")
        back = form.get("state")
        state = _state(back if isinstance(back, str) else None)
        url = channel_url(name, state, released=count)
        return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)

    @router.post("/channels/{name}/sync")
    async def sync_now(
        request: Request,
        name: ChannelName,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """Pushes the channel now, or with `dry_run=1` shows the plan, pushing nothing."""
        declared(request, name)
        form = await console.form(request, user)
        syncs = syncs_of(name)
        if syncs is None:
            raise PageError(409, NO_SYNC)
        if form.get("dry_run") == "1":
            try:
                preview = await syncs.dry_run(name)
            except ConnectorError as error:
                raise PageError(502, f"{name} could not be read: {error}") from error
            return await channel_page(request, user, name, preview=preview)
        return await channel_page(request, user, name, report=await syncs.sync(name))

    return router
