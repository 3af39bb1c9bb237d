"""`/api/valuation` and `/api/cost-of-goods`: what the stock is worth and what it cost, as
JSON pages or whole CSV files; read-only, so a viewer's token reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from syncbot.app import report_dates
from syncbot.app import valuation as reports
from syncbot.ledger.costing import format_money
from syncbot.ledger.limits import MAX_LOCATION_LENGTH, MAX_SKU_LENGTH
from syncbot.web.auth import AUTH_RESPONSES, Access
from syncbot.web.errors import responses
from syncbot.web.fields import documented, stored

MAX_LIMIT = 10_000
DATE_QUERY = Query(
    min_length=1, max_length=report_dates.MAX_TEXT, description="YYYY-MM-DD or ISO 8601 date-time"
)
LocationInQuery = Annotated[
    str | None,
    Query(min_length=1, json_schema_extra=documented(MAX_LOCATION_LENGTH)),
    stored("location", MAX_LOCATION_LENGTH),
]
After = Annotated[
    str,
    Query(description="Read the lines after this SKU code: `next_after` of the page before."),
    stored("after", MAX_SKU_LENGTH),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class ValuedLineOut(BaseModel):
    code: str
    name: str
    on_hand: int
    average_cost: str | None
    """The SKU's average over every location; null when nothing was on hand at `at`."""
    value: str


class ValuationTotalsOut(BaseModel):
    skus: int
    on_hand: int
    value: str
    """The exact sum, rounded once: it may differ from the sum of the rounded lines."""


class ValuationOut(BaseModel):
    currency: str
    location: str | None
    at: str | None
    totals: ValuationTotalsOut
    lines: list[ValuedLineOut]
    next_after: str | None
    """Pass as `after` for the next page; null on the last."""


class CostFiguresOut(BaseModel):
    units_sold: int
    cost_of_goods_sold: str
    write_off: str
    count: str
    adjust: str
    write_offs: str
    receipts: str
    value_change: str


class CostLineOut(CostFiguresOut):
    code: str
    name: str


class CostTotalsOut(CostFiguresOut):
    opening_value: str
    closing_value: str


class CostOfGoodsOut(BaseModel):
    currency: str
    start: str
    end: str
    totals: CostTotalsOut
    lines: list[CostLineOut]
    next_after: str | None


def _figures(figures: reports.CostFigures, currency: str) -> dict[str, object]:
    names = ("cost_of_goods_sold", "write_off", "count", "adjust", "write_offs", "receipts")
    amounts = reports.cost_amounts(figures, currency)
    return {
        "units_sold": figures.units_sold,
        **dict(zip((*names, "value_change"), amounts, strict=True)),
    }


CSV_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as CSV",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
"""A CSV route's answer, documented so a client (and the fuzz test) knows it is text/csv."""


def _csv(chunks: AsyncIterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def valuation_router(access: Access, currency: str) -> APIRouter:
    """Every report needs a viewer's token; amounts are decimal strings of `currency`."""
    router = APIRouter(
        prefix="/api",
        tags=["reports"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/valuation", responses=responses(401, 404))
    async def get_valuation(
        location: LocationInQuery = None,
        at: Annotated[str | None, DATE_QUERY] = None,
        after: After = "",
        limit: Limit = 1000,
    ) -> ValuationOut:
        """What the stock on hand is worth: per SKU, on hand × moving average, with totals.

        `location`: that location's units at each SKU's average over every location.
        `at`: the value at the end of that UTC day (a date), or at that moment, replayed
        from the movements. Lines come in code order, `limit` at a time. 404 unknown
        location; 422 a date that is not a date.
        """
        moment = None if at is None else report_dates.moment_at(at, "at")
        page = await reports.valuation(location, moment, after=after, limit=limit)
        return ValuationOut(
            currency=currency,
            location=location,
            at=None if moment is None else moment.isoformat(),
            totals=ValuationTotalsOut(
                skus=page.totals.skus,
                on_hand=page.totals.on_hand,
                value=format_money(page.totals.value, currency),
            ),
            lines=[
                ValuedLineOut(
                    code=line.code,
                    name=line.name,
                    on_hand=line.on_hand,
                    average_cost=reports.average_text(line.average) or None,
                    value=format_money(line.value, currency),
                )
                for line in page.lines
            ],
            next_after=page.next_after,
        )

    @router.get("/valuation.csv", responses={**responses(401, 404), **CSV_OK})
    async def get_valuation_csv(
        location: LocationInQuery = None, at: Annotated[str | None, DATE_QUERY] = None
    ) -> StreamingResponse:
        """The valuation as CSV, every SKU; a cell a spreadsheet would run is quoted."""
        moment = None if at is None else report_dates.moment_at(at, "at")
        await reports.check_location(location)
        return _csv(reports.valuation_csv(location, moment, currency), "valuation.csv")

    @router.get("/cost-of-goods", responses=responses(401))
    async def get_cost_of_goods(
        start: Annotated[str, Query(alias="from", min_length=1, max_length=report_dates.MAX_TEXT)],
        end: Annotated[str, Query(alias="to", min_length=1, max_length=report_dates.MAX_TEXT)],
        after: After = "",
        limit: Limit = 1000,
    ) -> CostOfGoodsOut:
        """Cost of goods sold, write-offs by kind and receipts over [from, to), per SKU.

        A date means the start of that UTC day: from=2026-11-01&to=2026-12-01 is November.
        The totals hold the value on hand when the period opened and closed: receipts =
        cost of goods sold + write-offs + value change. 422 a bad date, or `to` not after
        `from`.
        """
        period = report_dates.period(start, end, ("from", "to"))
        page = await reports.cost_of_goods(period, after=after, limit=limit)
        totals = page.totals
        return CostOfGoodsOut(
            currency=currency,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            totals=CostTotalsOut.model_validate(
                {
                    **_figures(totals.figures, currency),
                    "opening_value": format_money(totals.opening_value, currency),
                    "closing_value": format_money(totals.closing_value, currency),
                }
            ),
            lines=[
                CostLineOut.model_validate(
                    {"code": line.code, "name": line.name, **_figures(line.figures, currency)}
                )
                for line in page.lines
            ],
            next_after=page.next_after,
        )

    @router.get("/cost-of-goods.csv", responses={**responses(401), **CSV_OK})
    async def get_cost_of_goods_csv(
        start: Annotated[str, Query(alias="from", min_length=1, max_length=report_dates.MAX_TEXT)],
        end: Annotated[str, Query(alias="to", min_length=1, max_length=report_dates.MAX_TEXT)],
    ) -> StreamingResponse:
        """The cost of goods sold report as CSV, every SKU with a figure in the period."""
        period = report_dates.period(start, end, ("from", "to"))
        return _csv(reports.cost_csv(period, currency), "cost-of-goods.csv")

    return router
