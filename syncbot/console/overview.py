"""The console's overview page: what needs attention now."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from syncbot.app.roles import Role
from syncbot.console.pages import Console, ConsoleUser


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def overview(
        request: Request,
        user: ConsoleUser = Depends(console.user(Role.VIEWER)),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return console.render(request, "overview.html", user, page="overview")

    return router
