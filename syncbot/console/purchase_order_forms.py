"""The manager's purchase order forms: a new order, and a line added to a draft.

GET  /purchase-orders/new              the form (manager)
POST /purchase-orders/new              a draft, then 303 to its page; refused: 422,
                                       each error beside its field, nothing written
POST /purchase-orders/{number}/lines   a line on a draft (or an open order), 303 back
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import catalogue, purchasing
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import LedgerError, UnknownLocation, UnknownSku
from syncbot.ledger.costing import CostError
from syncbot.ledger.purchasing import UnknownPurchaseOrder, UnknownSupplier

Number = Annotated[str, Path(min_length=1, max_length=64)]
NEW_FIELDS = ("supplier", "location", "expected_on", "note")


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    manager = console.user(Role.MANAGER)

    @router.get("/purchase-orders/new")
    async def new_form(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await _new_page(console, request, user, {}, {})

    @router.post("/purchase-orders/new")
    async def create(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        values = {name: str(posted.get(name, "")) for name in NEW_FIELDS}
        try:
            order = await purchasing.create_order(
                values["supplier"],
                user.actor,
                location=values["location"],
                expected_on=values["expected_on"],
                note=values["note"],
            )
        except LedgerError as refusal:
            return await _new_page(
                console, request, user, values, {_field_of(refusal): str(refusal)}, status=422
            )
        return _see(f"/purchase-orders/{order.number}")

    @router.post("/purchase-orders/{number:path}/lines")
    async def add_line(
        request: Request,
        number: Number,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        sku, quantity = str(posted.get("sku", "")).strip(), str(posted.get("quantity", ""))
        cost = str(posted.get("cost", "")).strip() or None
        if not quantity.strip().isdigit() or len(quantity.strip()) > 9:
            raise PageError(422, "A quantity is a whole number of units, like 12: go back.")
        try:
            await purchasing.add_line(number, sku, int(quantity), user.actor, cost)
        except UnknownPurchaseOrder as refusal:
            raise PageError(404, str(refusal)) from refusal
        except LedgerError as refusal:
            raise PageError(
                409 if not isinstance(refusal, CostError) else 422, str(refusal)
            ) from refusal
        return _see(f"/purchase-orders/{number}")

    return router


def _field_of(refusal: LedgerError) -> str:
    if isinstance(refusal, UnknownSupplier):
        return "supplier"
    if isinstance(refusal, UnknownLocation):
        return "location"
    if "date" in str(refusal):
        return "expected_on"
    return "note" if not isinstance(refusal, UnknownSku) else "supplier"


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def _new_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> HTMLResponse:
    return console.render(
        request,
        "purchase_order_new.html",
        user,
        page="purchasing",
        status=status,
        v=values,
        e=errors,
        suppliers=[each.name for each in await purchasing.list_suppliers()],
        locations=await catalogue.list_locations(),
    )
