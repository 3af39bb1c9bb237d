"""`/api/purchase-orders` and `/api/suppliers`: what `syncbot po` and `syncbot supplier` do,
over HTTP, with the console's roles.

    viewer   reads orders and suppliers
    clerk    + receives a line, or every open line
    manager  + creates, edits, orders, cancels and closes orders; manages suppliers

Refusals (`web.errors`): 404 an unknown order, supplier, SKU, location or a line not on
the order; 409 an order in the wrong state, an over-receipt without force, a number or
name taken, a receipt key used for another receipt; 422 a bad cost, date or quantity.
A refused request writes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from syncbot.app import purchasing
from syncbot.app.purchase_order_pages import posted_movements
from syncbot.app.purchasing_views import PurchaseResult
from syncbot.app.roles import Role
from syncbot.ledger.limits import MAX_NAME_LENGTH
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import SkuInPath, documented, stored
from syncbot.web.purchasing_schemas import (
    MAX_NUMBER_LENGTH,
    CancelRequest,
    LineChange,
    LineRequest,
    OrderOut,
    OrderRequest,
    OrderSummaryOut,
    PurchaseOut,
    ReceiptRequest,
    ReceiveAllRequest,
    SupplierChange,
    SupplierOut,
    SupplierRequest,
    TermsRequest,
)

# `:path` in the routes: an order number or a supplier's name may hold "/".
NumberInPath = Annotated[
    str,
    Path(min_length=1, json_schema_extra=documented(MAX_NUMBER_LENGTH)),
    stored("number", MAX_NUMBER_LENGTH),
]
NameInPath = Annotated[
    str,
    Path(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("name", MAX_NAME_LENGTH),
]
_CHANGE = responses(400, 404, 409)


async def _answer(result: PurchaseResult, response: Response | None = None) -> PurchaseOut:
    """The change as JSON, with the movements its posting recorded; a replay answers 200."""
    if response is not None and not result.applied:
        response.status_code = 200
    rows = await posted_movements(result.posting)
    return PurchaseOut.of(result.applied, result.posting, rows, result.order)


def purchasing_router(access: Access) -> APIRouter:
    """Reads need a viewer's token, receipts a clerk's, every other change a manager's."""
    router = APIRouter(
        prefix="/api",
        tags=["purchasing"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )
    clerk, manager = access.require(Role.CLERK), access.require(Role.MANAGER)
    _orders(router, clerk, manager)
    _receipts(router, clerk)
    _suppliers(router, manager)
    return router


def _orders(router: APIRouter, clerk: Any, manager: Any) -> None:
    as_manager = [Depends(manager)]

    @router.get("/purchase-orders")
    async def list_orders(
        open_only: Annotated[
            bool, Query(alias="open", description="only draft, ordered and partially received")
        ] = False,
    ) -> list[OrderSummaryOut]:
        """Orders newest first, with how many units are ordered and received."""
        rows = await purchasing.purchase_orders(open_only=open_only)
        return [OrderSummaryOut.of(row) for row in rows]

    @router.post("/purchase-orders", status_code=201, dependencies=as_manager, responses=_CHANGE)
    async def create_order(body: OrderRequest, caller: Caller = Depends(manager)) -> OrderOut:  # noqa: B008 (see auth.Access.require)
        """A draft order (numbered PO-0001, … unless `number` is given). 404 unknown
        supplier or location; 409 a number taken; 422 a bad date."""
        view = await purchasing.create_order(
            body.supplier,
            caller.actor,
            location=body.location,
            number=body.number,
            expected_on=body.expected_on,
            note=body.note,
        )
        return OrderOut.of(view)

    @router.get("/purchase-orders/{number:path}", responses=responses(404))
    async def show_order(number: NumberInPath) -> OrderOut:
        """One order with its lines and its total; 404 for an unknown number."""
        return OrderOut.of(await purchasing.purchase_order(number))

    @router.post("/purchase-orders/{number:path}/lines", status_code=201, responses=_CHANGE)
    async def add_line(
        number: NumberInPath,
        body: LineRequest,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> PurchaseOut:
        """Adds a SKU to an open order; on a placed order its units are ordered at once.
        409 a line for the SKU exists or the order is closed."""
        result = await purchasing.add_line(
            number, body.sku, body.quantity, caller.actor, body.unit_cost
        )
        return await _answer(result)

    @router.patch("/purchase-orders/{number:path}/lines/{sku:path}", responses=_CHANGE)
    async def edit_line(
        number: NumberInPath,
        sku: SkuInPath,
        body: LineChange,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> PurchaseOut:
        """A line's new quantity or unit cost; on a placed order incoming moves by the
        difference. 409 below what is received or cancelled."""
        result = await purchasing.edit_line(
            number, sku, caller.actor, quantity=body.quantity, unit_cost=body.unit_cost
        )
        return await _answer(result)

    @router.delete(
        "/purchase-orders/{number:path}/lines/{sku:path}",
        dependencies=as_manager,
        responses=_CHANGE,
    )
    async def remove_line(number: NumberInPath, sku: SkuInPath) -> OrderOut:
        """Removes a draft's line; 409 once ordered (cancel the line instead)."""
        return OrderOut.of(await purchasing.remove_line(number, sku))

    @router.post("/purchase-orders/{number:path}/order", responses=_CHANGE)
    async def place_order(
        number: NumberInPath,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> PurchaseOut:
        """draft → ordered: every line supplier → incoming, in one posting."""
        return await _answer(await purchasing.place_order(number, caller.actor))

    @router.post("/purchase-orders/{number:path}/cancel", responses=_CHANGE)
    async def cancel(
        number: NumberInPath,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
        body: CancelRequest | None = None,
    ) -> PurchaseOut:
        """Cancels the rest of one line (`sku`) or of the whole order: what is still
        incoming goes back to the supplier. 409 a closed, received or cancelled order."""
        sku = None if body is None else body.sku
        return await _answer(await purchasing.cancel(number, caller.actor, sku))

    @router.post("/purchase-orders/{number:path}/close", dependencies=as_manager, responses=_CHANGE)
    async def close(number: NumberInPath) -> OrderOut:
        """Closes a received or cancelled order; 409 otherwise."""
        return OrderOut.of(await purchasing.close(number))


def _receipts(router: APIRouter, clerk: Any) -> None:
    replayed: dict[int | str, dict[str, Any]] = {
        200: {"model": PurchaseOut, "description": "already_applied: the key was used before"}
    }

    @router.post(
        "/purchase-orders/{number:path}/receipts",
        status_code=201,
        responses={**replayed, **_CHANGE},
    )
    async def receive_line(
        number: NumberInPath,
        body: ReceiptRequest,
        response: Response,
        caller: Caller = Depends(clerk),  # noqa: B008 (see auth.Access.require)
    ) -> PurchaseOut:
        """Receives part or all of one line: incoming → available, `damaged` → damaged, at
        `unit_cost` (default the line's). 201 recorded; 200 `already_applied` for a key
        used for the same receipt; 409 more than is still expected without `force`, or a
        key used for another receipt; 422 a float or negative cost."""
        result = await purchasing.receive_line(
            number,
            body.sku,
            body.quantity,
            caller.actor,
            damaged=body.damaged,
            unit_cost=body.unit_cost,
            key=body.idempotency_key,
            force=body.force,
        )
        return await _answer(result, response)

    @router.post(
        "/purchase-orders/{number:path}/receive-all",
        status_code=201,
        responses={**replayed, **_CHANGE},
    )
    async def receive_all(
        number: NumberInPath,
        response: Response,
        caller: Caller = Depends(clerk),  # noqa: B008 (see auth.Access.require)
        body: ReceiveAllRequest | None = None,
    ) -> PurchaseOut:
        """Receives every open line in full at its own cost, in one posting."""
        key = None if body is None else body.idempotency_key
        return await _answer(await purchasing.receive_all(number, caller.actor, key=key), response)


def _suppliers(router: APIRouter, manager: Any) -> None:
    as_manager = [Depends(manager)]

    @router.get("/suppliers")
    async def list_suppliers() -> list[SupplierOut]:
        """Every supplier by name (terms per SKU: read one supplier)."""
        return [SupplierOut.of(view) for view in await purchasing.list_suppliers()]

    @router.post(
        "/suppliers", status_code=201, dependencies=as_manager, responses=responses(400, 409)
    )
    async def add_supplier(body: SupplierRequest) -> SupplierOut:
        """A new supplier; 409 a name taken."""
        view = await purchasing.add_supplier(body.name, body.lead_time_days, body.note)
        return SupplierOut.of(view)

    @router.get("/suppliers/{name:path}", responses=responses(404))
    async def show_supplier(name: NameInPath) -> SupplierOut:
        """One supplier with its terms per SKU; 404 for an unknown name."""
        return SupplierOut.of(await purchasing.supplier(name))

    @router.put(
        "/suppliers/{name:path}/terms/{sku:path}", dependencies=as_manager, responses=_CHANGE
    )
    async def set_terms(name: NameInPath, sku: SkuInPath, body: TermsRequest) -> SupplierOut:
        """The supplier's terms for one SKU (what is left out is kept); 404 unknown
        supplier or SKU; 422 a bad cost."""
        view = await purchasing.set_supplier_terms(
            name,
            sku,
            supplier_sku=body.supplier_sku,
            minimum_order_quantity=body.minimum_order_quantity,
            case_pack=body.case_pack,
            unit_cost=body.unit_cost,
        )
        return SupplierOut.of(view)

    @router.patch("/suppliers/{name:path}", dependencies=as_manager, responses=_CHANGE)
    async def change_supplier(name: NameInPath, body: SupplierChange) -> SupplierOut:
        """A supplier's new lead time or note; 404 for an unknown name."""
        view = await purchasing.set_supplier(name, body.lead_time_days, body.note)
        return SupplierOut.of(view)
