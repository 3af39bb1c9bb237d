"""The console's purchase orders: the list, one order with a receive form per open line,
and the manager's actions (order, cancel, close).

    GET  /purchase-orders                      open orders (?all=1: every order) (viewer)
    GET  /purchase-orders/{number}             lines, costs, total; the posting just made
    POST /purchase-orders/{number}/receive     one line, once per form (its hidden key)
                                               (clerk); refused: 422, error beside the field
    POST /purchase-orders/{number}/receive-all every open line (clerk)
    POST /purchase-orders/{number}/{action}    order, cancel, close (manager)
"""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import purchasing
from syncbot.app.purchase_order_pages import order_value, posted_movements
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import LedgerError
from syncbot.ledger.costing import CostError, format_cost
from syncbot.ledger.purchasing import OverReceipt, UnknownPurchaseOrder

Number = Annotated[str, Path(min_length=1, max_length=64)]
ACTIONS = ("order", "cancel", "close")


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer, clerk = console.user(Role.VIEWER), console.user(Role.CLERK)
    manager = console.user(Role.MANAGER)

    @router.get("/purchase-orders")
    async def order_list(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
        all: Annotated[str, Query(max_length=1)] = "",
    ) -> HTMLResponse:
        rows = await purchasing.purchase_orders(open_only=not all)
        return console.render(
            request, "purchase_orders.html", user, page="purchasing", rows=rows, all=bool(all)
        )

    @router.get("/purchase-orders/{number:path}")
    async def order_page(
        request: Request,
        number: Number,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
        posting: Annotated[str, Query(max_length=36)] = "",
    ) -> HTMLResponse:
        return await _page(console, request, user, number, posting=_posting(posting))

    @router.post("/purchase-orders/{number:path}/receive")
    async def receive(
        request: Request,
        number: Number,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = {
            k: v for k, v in (await console.form(request, user)).items() if isinstance(v, str)
        }
        sku = posted.get("sku", "")
        errors: dict[str, str] = {}
        quantity, damaged = _whole(posted, "quantity", errors), _whole(posted, "damaged", errors)
        if not errors:
            try:
                result = await purchasing.receive_line(
                    number,
                    sku,
                    quantity,
                    user.actor,
                    damaged=damaged,
                    unit_cost=posted.get("cost", "").strip() or None,
                    key=posted.get("key") or None,
                    force=posted.get("force") == "on",
                )
            except UnknownPurchaseOrder as refusal:
                raise PageError(404, str(refusal)) from refusal
            except CostError as refusal:
                errors["cost"] = str(refusal)
            except OverReceipt as refusal:
                errors["quantity"] = str(refusal)
            except LedgerError as refusal:
                errors["quantity" if "damaged" not in str(refusal) else "damaged"] = str(refusal)
            else:
                return _see(number, result.posting)
        return await _page(
            console, request, user, number, status=422, refused=(sku, posted, errors)
        )

    @router.post("/purchase-orders/{number:path}/receive-all")
    async def receive_all(
        request: Request,
        number: Number,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        key = posted.get("key")
        result = await _refused_as_page(
            purchasing.receive_all(number, user.actor, key=key if isinstance(key, str) else None)
        )
        return _see(number, result.posting)

    @router.post("/purchase-orders/{number:path}/{action}")
    async def act(
        request: Request,
        number: Number,
        action: str,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        sku = posted.get("sku")
        if action == "order":
            result = await _refused_as_page(purchasing.place_order(number, user.actor))
            return _see(number, result.posting)
        if action == "cancel":
            line = sku if isinstance(sku, str) and sku else None
            result = await _refused_as_page(purchasing.cancel(number, user.actor, line))
            return _see(number, result.posting)
        if action == "close":
            await _refused_as_page(purchasing.close(number))
            return _see(number, None)
        raise PageError(404, f"there is no action {action[:40]!r} on a purchase order")

    return router


async def _refused_as_page(work: Any) -> Any:
    """The use case's answer; its refusal as a page (404 unknown, 409 otherwise)."""
    try:
        return await work
    except UnknownPurchaseOrder as refusal:
        raise PageError(404, str(refusal)) from refusal
    except LedgerError as refusal:
        raise PageError(409, str(refusal)) from refusal


def _whole(posted: dict[str, str], name: str, errors: dict[str, str]) -> int:
    text = posted.get(name, "").strip() or ("0" if name == "damaged" else "")
    if not text.isdigit() or len(text) > 9:
        errors[name] = f"{name} is a whole number of units, like 4"
        return 0
    return int(text)


def _posting(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _see(number: str, posting: uuid.UUID | None) -> RedirectResponse:
    url = f"/purchase-orders/{number}" + (f"?posting={posting}" if posting else "")
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def _page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    number: str,
    *,
    posting: uuid.UUID | None = None,
    status: int = 200,
    refused: tuple[str, dict[str, str], dict[str, str]] | None = None,
) -> HTMLResponse:
    try:
        order = await purchasing.purchase_order(number)
    except UnknownPurchaseOrder as refusal:
        raise PageError(404, str(refusal)) from refusal
    return console.render(
        request,
        "purchase_order.html",
        user,
        page="purchasing",
        status=status,
        order=order,
        total=format_cost(order_value(order)),
        cost=format_cost,
        movements=await posted_movements(posting),
        refused=refused,
        key=secrets.token_urlsafe(16),
    )
