"""The console's overview page: what needs attention now.

Each section is a region the page shows whole and `GET /overview/<section>` serves alone,
as a fragment: console.js fetches it again when /events reports a change, so the page stays
current without a reload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncbot.app import overview
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError

Loader = Callable[[Request], Awaitable[dict[str, Any]]]


async def _low(request: Request) -> dict[str, Any]:
    return {"low": await overview.low_stock()}


async def _oversold(request: Request) -> dict[str, Any]:
    return {"oversold": await overview.oversold()}


async def _listings(request: Request) -> dict[str, Any]:
    return {"attention": await overview.listings()}


async def _health(request: Request) -> dict[str, Any]:
    names = list(getattr(request.app.state, "channel_names", []))
    return {"health": await overview.sync_health(names)}


async def _inbox(request: Request) -> dict[str, Any]:
    return {"failed": await overview.failed_deliveries()}


async def _parked(request: Request) -> dict[str, Any]:
    return {"parked": await overview.parked()}


async def _movements(request: Request) -> dict[str, Any]:
    return {"movements": await overview.latest_movements()}


# The sections in page order: name (its URL), and what its fragment template needs.
SECTIONS: dict[str, Loader] = {
    "low-stock": _low,
    "oversold": _oversold,
    "listings": _listings,
    "sync": _health,
    "inbox": _inbox,
    "parked": _parked,
    "movements": _movements,
}


def template_of(section: str) -> str:
    return f"_overview_{section.replace('-', '_')}.html"


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)

    @router.get("/")
    async def overview_page(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        context: dict[str, Any] = {}
        for load in SECTIONS.values():
            context |= await load(request)
        sections = [(name, template_of(name)) for name in SECTIONS]
        return console.render(
            request, "overview.html", user, page="overview", sections=sections, **context
        )

    @router.get("/overview/{section}")
    async def fragment(
        request: Request,
        section: str,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """One section's content alone, for console.js to put in place."""
        load = SECTIONS.get(section)
        if load is None:
            raise PageError(404, "the overview has no such section: see the overview")
        return console.templates.TemplateResponse(
            request,
            template_of(section),
            {"user": user, **await load(request)},
            headers=SECURITY_HEADERS,
        )

    return router
