"""`/api/replenishment`: what to reorder, as JSON or CSV (a viewer reads it), and the draft
purchase orders made from it, one per supplier (a manager drafts them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from syncbot.app import replenishment
from syncbot.app.roles import Role
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.limits import MAX_LOCATION_LENGTH, MAX_NAME_LENGTH
from syncbot.ledger.purchasing import MAX_LEAD_TIME_DAYS
from syncbot.ledger.replenishment import MAX_COVER_DAYS
from syncbot.web.auth import AUTH_RESPONSES, Access, Caller
from syncbot.web.errors import responses
from syncbot.web.fields import documented, stored

LocationInQuery = Annotated[
    str | None,
    Query(min_length=1, json_schema_extra=documented(MAX_LOCATION_LENGTH)),
    stored("location", MAX_LOCATION_LENGTH),
]
SupplierInQuery = Annotated[
    str | None,
    Query(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH)),
    stored("supplier", MAX_NAME_LENGTH),
]
ServiceLevel = Annotated[
    float,
    Query(gt=0, lt=1, description="The chance of not running out within a lead time."),
]
CoverDays = Annotated[
    int, Query(ge=0, le=MAX_COVER_DAYS, description="Days of demand an order should cover.")
]
LeadTime = Annotated[
    int,
    Query(ge=0, le=MAX_LEAD_TIME_DAYS, description="Lead time of a SKU no supplier covers."),
]
_CSV_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The suggestions as CSV",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


class ForecastOut(BaseModel):
    method: str
    """mean, ses, holt, croston or seasonal: the one that backtested best on the SKU."""
    sells_per_day: float
    mae: float | None
    """Mean absolute error of its one-step backtest; null for a new SKU."""
    bias: float | None
    history_days: int


class SuggestionOut(BaseModel):
    code: str
    name: str
    supplier: str | None
    order: int
    """Units to order now (0: the stock position is above the reorder point)."""
    reorder_point: int
    """The one that applies: the SKU's own where a person set one, else the computed."""
    computed_reorder_point: int
    safety_stock: int
    lead_time_days: int
    available: int
    incoming: int
    days_of_cover: int | None
    """Days the available units last at the forecast; null: nothing expected to sell."""
    stockout: date | None
    forecast: ForecastOut
    reasoning: str

    @classmethod
    def of(cls, line: replenishment.Line) -> SuggestionOut:
        suggestion, forecast = line.suggestion, line.forecast
        return cls(
            code=line.sku,
            name=line.name,
            supplier=line.supplier,
            order=suggestion.quantity,
            reorder_point=suggestion.reorder_point,
            computed_reorder_point=suggestion.computed_reorder_point,
            safety_stock=suggestion.safety_stock,
            lead_time_days=suggestion.terms.lead_time_days,
            available=suggestion.stock.available,
            incoming=suggestion.stock.incoming,
            days_of_cover=suggestion.days_of_cover,
            stockout=suggestion.stockout,
            forecast=ForecastOut(
                method=forecast.method.name,
                sells_per_day=round(forecast.rate, 3),
                mae=None if forecast.mae is None else round(forecast.mae, 3),
                bias=None if forecast.bias is None else round(forecast.bias, 3),
                history_days=forecast.history_days,
            ),
            reasoning=line.reasoning,
        )


class DraftRequest(BaseModel):
    location: Annotated[
        str, Field(min_length=1, json_schema_extra=documented(MAX_LOCATION_LENGTH))
    ] = DEFAULT_LOCATION
    """Where the orders are delivered; stock and demand are read there too."""
    supplier: Annotated[
        str | None, Field(min_length=1, json_schema_extra=documented(MAX_NAME_LENGTH))
    ] = None
    service_level: Annotated[float, Field(gt=0, lt=1)] = replenishment.DEFAULT_SERVICE_LEVEL
    cover_days: Annotated[int, Field(ge=0, le=MAX_COVER_DAYS)] = replenishment.DEFAULT_COVER_DAYS
    lead_time: Annotated[int, Field(ge=0, le=MAX_LEAD_TIME_DAYS)] = (
        replenishment.DEFAULT_LEAD_TIME_DAYS
    )


class DraftedOut(BaseModel):
    number: str
    supplier: str
    lines: int
    units: int
    without_cost: list[str]
    """SKUs drafted at cost 0: no cost is known for them; set one before ordering."""


async def _lines(
    location: str | None,
    supplier: str | None,
    service_level: float,
    cover_days: int,
    lead_time: int,
    every: bool,
) -> list[replenishment.Line]:
    if location is not None:
        await replenishment.check_location(location)
    return await replenishment.suggestions(
        today=datetime.now(UTC).date(),
        location=location,
        supplier=supplier,
        service_level=service_level,
        cover_days=cover_days,
        lead_time_days=lead_time,
        only_orders=not every,
    )


async def suggestions(
    location: LocationInQuery = None,
    supplier: SupplierInQuery = None,
    service_level: ServiceLevel = replenishment.DEFAULT_SERVICE_LEVEL,
    cover_days: CoverDays = replenishment.DEFAULT_COVER_DAYS,
    lead_time: LeadTime = replenishment.DEFAULT_LEAD_TIME_DAYS,
    every: Annotated[
        bool, Query(alias="all", description="every SKU, not only those to order")
    ] = False,
) -> list[replenishment.Line]:
    """The suggestions a query asks for: one dependency for the JSON and the CSV route."""
    return await _lines(location, supplier, service_level, cover_days, lead_time, every)


def replenishment_router(access: Access) -> APIRouter:
    router = APIRouter(
        prefix="/api",
        tags=["replenishment"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )
    manager = access.require(Role.MANAGER)

    @router.get("/replenishment", responses=responses(401, 404))
    async def get_suggestions(
        found: list[replenishment.Line] = Depends(suggestions),  # noqa: B008
    ) -> list[SuggestionOut]:
        """What to reorder, by SKU code: each SKU's forecast (the method that backtests best
        on its own sales), reorder point, days of cover and the quantity to order, with the
        reasoning. 404 unknown location or supplier."""
        return [SuggestionOut.of(line) for line in found]

    @router.get("/replenishment.csv", responses={**responses(401, 404), **_CSV_OK})
    async def get_suggestions_csv(
        found: list[replenishment.Line] = Depends(suggestions),  # noqa: B008
    ) -> Response:
        """The same suggestions as CSV."""
        return Response(
            replenishment.csv_text(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="replenishment.csv"'},
        )

    @router.post(
        "/replenishment/draft-orders",
        status_code=201,
        dependencies=[Depends(manager)],
        responses=responses(400, 401, 403, 404),
    )
    async def draft_orders(
        body: DraftRequest,
        caller: Caller = Depends(manager),  # noqa: B008 (see auth.Access.require)
    ) -> list[DraftedOut]:
        """Drafts one purchase order per supplier with the quantities to order, delivered
        to `location`. SKUs no supplier supplies are left out. 404 unknown location or
        supplier."""
        found = await _lines(
            body.location, body.supplier, body.service_level, body.cover_days, body.lead_time, False
        )
        drafted = await replenishment.draft_orders(found, caller.actor, location=body.location)
        return [
            DraftedOut(
                number=order.number,
                supplier=order.supplier,
                lines=order.lines,
                units=order.units,
                without_cost=list(order.without_cost),
            )
            for order in drafted
        ]

    return router
