"""The stock API: read stock and movements; record a movement or its reversal (token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from syncbot.app.roles import Role, role_for_movement
from syncbot.app.stock import MAX_HISTORY
from syncbot.web import schemas as service
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import MovementId, SkuInPath, SkuInQuery
from syncbot.web.schemas import MovementOut, MovementRequest, PostingOut
from syncbot.web.stock_read import StockReadOut, stock_read


def stock_api(access: Access) -> APIRouter:
    """Reading needs a viewer's token; recording a movement a clerk's (an adjustment a
    manager's); reversing one a manager's, or its recorder's within 10 minutes."""
    router = APIRouter(
        prefix="/api",
        tags=["stock"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )
    replayed: dict[int | str, dict[str, Any]] = {
        200: {"model": PostingOut, "description": "already_applied: done before"}
    }

    # `:path` because SKU codes may contain "/".
    @router.get("/stock/{sku:path}", responses=responses(404))
    async def get_stock(sku: SkuInPath) -> StockReadOut:
        """Quantities of one SKU per location and in total, and `incoming`: each open
        purchase order line of it (order, supplier, location, quantity, expected_on),
        soonest expected first; 404 for an unknown SKU."""
        return await stock_read(sku)

    @router.get("/parked")
    async def get_parked() -> list[service.ParkedLineOut]:
        """Order and return lines waiting for a SKU; adding the SKU applies them."""
        return await service.parked_lines()

    @router.get("/movements", responses=responses(404))
    async def get_movements(
        sku: SkuInQuery = None,
        limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 50,
    ) -> list[MovementOut]:
        """Movements newest first, of one SKU or of all; 404 for an unknown SKU."""
        return await service.movement_history(sku, limit)

    @router.post(
        "/movements",
        status_code=201,
        responses={**replayed, **responses(400, 401, 403, 404, 409)},
        openapi_extra={"requestBody": MOVEMENT_BODY},
    )
    async def post_movement(
        request: Request,
        response: Response,
        caller: Caller = Depends(access.require(Role.CLERK)),  # noqa: B008 (see auth.Access.require)
    ) -> PostingOut:
        """Records one movement (body: MovementRequest) and answers with the SKU's stock.

        201 applied; 200 `already_applied` when the idempotency key was used for the same
        movement; 401 without a valid token; 403 a role too low (a clerk records receive,
        damage, count, transfer and write_off; an adjustment needs a manager); 404 unknown
        SKU or location; 409 insufficient stock (send `"force": true` to record it anyway)
        or a key reused for a different movement; 413 body too large; 422 malformed JSON,
        an invalid movement, a value over a limit of the store, or an order kind (those
        come from storefront intake).
        """
        # Parsed here rather than as a FastAPI body parameter so that the token is checked
        # before any byte of the body is parsed.
        try:
            movement = MovementRequest.model_validate_json(await request.body())
        except ValidationError as problem:
            raise RequestValidationError(problem.errors(include_url=False)) from problem
        caller.require(role_for_movement(movement.kind), f"recording {movement.kind}")
        answer = await service.record_movement(movement, caller.actor)
        if answer.status == "already_applied":
            response.status_code = 200
        return answer

    @router.post(
        "/movements/{movement_id}/reverse",
        status_code=201,
        responses={**replayed, **responses(401, 403, 404, 409)},
    )
    async def reverse_movement(
        movement_id: MovementId,
        response: Response,
        caller: Caller = Depends(access.require(Role.CLERK)),  # noqa: B008 (see auth.Access.require)
        force: bool = False,
    ) -> PostingOut:
        """Undoes a movement with a reversing one; each movement is reversed at most once.

        Needs a manager's token, except that the token that recorded a movement may undo
        it within 10 minutes with the role its kind needs (a clerk's own damage: clerk);
        403 otherwise, naming the rule. 201 reversed; 200 `already_applied` when it was
        reversed before; 404 unknown id; 409 when the units have moved on since
        (`?force=true` records it anyway).
        """
        answer = await service.record_reversal(movement_id, caller.actor, caller.role, force=force)
        if answer.status == "already_applied":
            response.status_code = 200
        return answer

    return router


MOVEMENT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MovementRequest"}}},
}


def describe_bodies(app: FastAPI) -> None:
    """Adds MovementRequest to the OpenAPI components: its route reads the body itself."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        body = MovementRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["MovementRequest"] = body
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
