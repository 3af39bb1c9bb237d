"""The console's stock-takes: the list, a session's page and the manager's actions.

    GET  /stocktakes                   open sessions (?all=1: every one) (viewer)
    GET  /stocktakes/{ref}             a manager sees the review (expected, counted,
                                       variance in units, % and value, approval); anyone
                                       else the counters' view (blind: no expected)
    POST /stocktakes/{ref}/approve     one line (`sku`) or, without it, every line over a
                                       threshold (manager)
    POST /stocktakes/{ref}/post        posts the variances, `uncounted` leave|zero (manager)
    POST /stocktakes/{ref}/cancel      closes it without touching a balance (manager)

The start form and the count form are in `stocktake_forms`, the scan page in
`stocktake_scan`. `ref` is a session's id or its name, as everywhere.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import stocktakes
from syncbot.app.purchase_order_pages import posted_movements
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import LedgerError, UnknownSku
from syncbot.ledger.costing import format_money
from syncbot.ledger.stocktake import UnknownStocktake

Ref = Annotated[str, Path(min_length=1, max_length=64)]
Shown = Annotated[str, Query(max_length=200)]


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer, manager = console.user(Role.VIEWER), console.user(Role.MANAGER)

    @router.get("/stocktakes")
    async def session_list(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
        all: Annotated[str, Query(max_length=1)] = "",
    ) -> HTMLResponse:
        rows = await stocktakes.sessions(open_only=not all)
        return console.render(
            request, "stocktakes.html", user, page="stocktakes", rows=rows, all=bool(all)
        )

    @router.get("/stocktakes/{ref}")
    async def session_page(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
        counted: Shown = "",
        posting: Annotated[str, Query(max_length=36)] = "",
        done: Shown = "",
    ) -> HTMLResponse:
        notice = {"counted": counted, "done": done}
        return await session_page_of(console, request, user, ref, notice=notice, posting=posting)

    @router.post("/stocktakes/{ref}/approve")
    async def approve(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        sku = posted.get("sku")
        line = sku if isinstance(sku, str) and sku else None
        approved = await refused_as_page(stocktakes.approve(ref, line, user.actor, user.role))
        shown = ", ".join(approved.skus) or "nothing (no line waits for approval)"
        return see(approved.session, done=f"Approved {shown}")

    @router.post("/stocktakes/{ref}/post")
    async def post(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        uncounted = str(posted.get("uncounted", "leave"))
        result = await refused_as_page(stocktakes.post(ref, user.actor, uncounted=uncounted))
        done = f"Posted: {result.movements} count movement(s)"
        return see(result.session, done=done, posting=result.posting)

    @router.post("/stocktakes/{ref}/cancel")
    async def cancel(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        await console.form(request, user)
        result = await refused_as_page(stocktakes.cancel(ref, user.actor))
        return see(result.session, done="Cancelled: no balance was touched")

    return router


async def refused_as_page(work: Any) -> Any:
    """The use case's answer; its refusal as a page (404 unknown, 409 otherwise)."""
    try:
        return await work
    except (UnknownStocktake, UnknownSku) as refusal:
        raise PageError(404, str(refusal)) from refusal
    except LedgerError as refusal:
        raise PageError(409, str(refusal)) from refusal


def see(session: int | str, suffix: str = "", **shown: object) -> RedirectResponse:
    """303 to the session's page (or its `suffix`: "/scan"), with what was just done in
    its query string."""
    query = urlencode({name: str(value)[:200] for name, value in shown.items() if value})
    url = f"/stocktakes/{session}{suffix}" + (f"?{query}" if query else "")
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def session_page_of(
    console: Console,
    request: Request,
    user: ConsoleUser,
    ref: str,
    *,
    notice: dict[str, str] | None = None,
    posting: str = "",
    status: int = 200,
    refused: tuple[dict[str, str], dict[str, str]] | None = None,
) -> HTMLResponse:
    """The review for a manager, the counters' view for anyone else; `refused` is a count
    form's values and errors, shown beside its fields."""
    reviewing = user.may(Role.MANAGER)
    try:
        view = await (stocktakes.review(ref) if reviewing else stocktakes.counter_view(ref))
    except UnknownStocktake as refusal:
        raise PageError(404, str(refusal)) from refusal
    return console.render(
        request,
        "stocktake.html",
        user,
        page="stocktakes",
        status=status,
        view=view,
        reviewing=reviewing,
        money=lambda value: format_money(value, console.currency),
        notice=notice or {},
        movements=await posted_movements(_uuid(posting)),
        v=refused[0] if refused else {},
        e=refused[1] if refused else {},
        key=uuid.uuid4().hex,
    )


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None
