"""`/api/reports/...`: sales velocity, ABC classes, stock aging, days of cover and sync
health, as JSON or whole CSV files; read-only, so a viewer's token reads them. Inventory
value and cost of goods are `/api/valuation` and `/api/cost-of-goods` (`valuation_api`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from syncbot.app import cover_report, sales_reports, stock_aging, sync_health
from syncbot.app.report_span import MAX_DAYS, Span
from syncbot.ledger.abc import A_SHARE, B_SHARE
from syncbot.ledger.costing import format_cost, format_money
from syncbot.web.auth import AUTH_RESPONSES, Access
from syncbot.web.errors import responses
from syncbot.web.valuation_api import CSV_OK, After, Limit, LocationInQuery, _csv

Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="The last N UTC days, today included.")]
DeadDays = Annotated[
    int, Query(ge=1, le=MAX_DAYS, description="No sale in this many days: dead stock.")
]
DeadOnly = Annotated[bool, Query(description="Only the dead stock.")]


def today() -> date:
    return datetime.now(UTC).date()


class SpanOut(BaseModel):
    first_day: date
    last_day: date
    days: int


class VelocityLineOut(BaseModel):
    code: str
    name: str
    channel: str
    """"" for sales recorded by hand."""
    units: int
    units_per_day: float


class VelocityOut(SpanOut):
    units: int
    lines: list[VelocityLineOut]


class AbcLineOut(BaseModel):
    code: str
    name: str
    units: int
    units_cumulative_percent: float
    units_class: str
    average_cost: str
    value: str
    value_cumulative_percent: float
    value_class: str


class AbcOut(SpanOut):
    currency: str
    a_percent: int
    b_percent: int
    units: int
    value: str
    lines: list[AbcLineOut]


class AgedLineOut(BaseModel):
    code: str
    name: str
    on_hand: int
    value: str
    last_receipt: date | None
    days_since_receipt: int | None
    last_sale: date | None
    days_since_sale: int | None
    dead: bool


class AgingOut(BaseModel):
    currency: str
    today: date
    dead_days: int
    lines: list[AgedLineOut]
    next_after: str | None
    """Pass as `after` for the next page; null on the last."""


class CoverLineOut(BaseModel):
    code: str
    name: str
    available: int
    incoming: int
    units_per_day: float
    method: str
    days_of_cover: int | None
    """null when nothing is expected to sell within the horizon."""
    stockout: date | None


class CoverOut(BaseModel):
    today: date
    location: str | None
    lines: list[CoverLineOut]


class SyncDayOut(BaseModel):
    day: date
    channel: str
    pushes: int
    failed_pushes: int
    quarantines: int
    drift_checks: int
    drifting: int
    sync_failures: int


class SyncHealthOut(SpanOut):
    rows: list[SyncDayOut]


def _span(span: Span) -> dict[str, object]:
    return {"first_day": span.first, "last_day": span.last, "days": span.days}


def reports_router(access: Access, currency: str, clock: Callable[[], date] = today) -> APIRouter:
    """Every report needs a viewer's token; amounts are decimal strings of `currency`."""
    router = APIRouter(
        prefix="/api/reports",
        tags=["reports"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/velocity", responses=responses(401))
    async def get_velocity(days: Days = sales_reports.DEFAULT_DAYS) -> VelocityOut:
        """Units sold per SKU and channel over the last `days` UTC days (today included),
        net of cancellations and returns, and units per day; by code, then channel."""
        report = await sales_reports.velocity(clock(), days)
        lines = [
            VelocityLineOut(
                code=line.code,
                name=line.name,
                channel=line.channel,
                units=line.units,
                units_per_day=round(line.per_day, 3),
            )
            for line in report.lines
        ]
        return VelocityOut.model_validate(
            {**_span(report.span), "units": report.units, "lines": lines}
        )

    @router.get("/velocity.csv", responses={**responses(401), **CSV_OK})
    async def get_velocity_csv(days: Days = sales_reports.DEFAULT_DAYS) -> StreamingResponse:
        """The velocity report as CSV."""
        report = await sales_reports.velocity(clock(), days)
        return _csv(sales_reports.velocity_csv(report), "velocity.csv")

    @router.get("/abc", responses=responses(401))
    async def get_abc(days: Days = sales_reports.DEFAULT_DAYS) -> AbcOut:
        """ABC classes of each SKU that sold in the last `days` days, by units and by value
        (units × the SKU's average cost). Ranked largest first: A makes the first 80 % of
        the total (the SKU crossing 80 % included), B up to 95 %, C the rest."""
        report = await sales_reports.abc(clock(), days)
        lines = [
            AbcLineOut(
                code=line.code,
                name=line.name,
                units=line.units,
                units_cumulative_percent=round(line.units_share, 2),
                units_class=line.units_class,
                average_cost=format_cost(line.average_cost),
                value=format_money(line.value, currency),
                value_cumulative_percent=round(line.value_share, 2),
                value_class=line.value_class,
            )
            for line in report.lines
        ]
        return AbcOut.model_validate(
            {
                **_span(report.span),
                "currency": currency,
                "a_percent": A_SHARE,
                "b_percent": B_SHARE,
                "units": report.units,
                "value": format_money(report.value, currency),
                "lines": lines,
            }
        )

    @router.get("/abc.csv", responses={**responses(401), **CSV_OK})
    async def get_abc_csv(days: Days = sales_reports.DEFAULT_DAYS) -> StreamingResponse:
        """The ABC report as CSV."""
        report = await sales_reports.abc(clock(), days)
        return _csv(sales_reports.abc_csv(report, currency), "abc.csv")

    @router.get("/aging", responses=responses(401))
    async def get_aging(
        dead_days: DeadDays = stock_aging.DEFAULT_DEAD_DAYS,
        after: After = "",
        limit: Limit = 1000,
    ) -> AgingOut:
        """Each SKU with stock on hand: its last receipt and last sale (UTC days) and the
        days since, and whether it is dead stock (no sale in `dead_days` days, or never).
        By code, `limit` at a time."""
        day = clock()
        page = await stock_aging.page(day, dead_days, after=after, limit=limit)
        lines = [
            AgedLineOut(
                code=line.code,
                name=line.name,
                on_hand=line.on_hand,
                value=format_money(line.value, currency),
                last_receipt=line.last_receipt,
                days_since_receipt=line.days_since_receipt,
                last_sale=line.last_sale,
                days_since_sale=line.days_since_sale,
                dead=line.dead,
            )
            for line in page.lines
        ]
        return AgingOut(
            currency=currency,
            today=day,
            dead_days=dead_days,
            lines=lines,
            next_after=page.next_after,
        )

    @router.get("/aging.csv", responses={**responses(401), **CSV_OK})
    async def get_aging_csv(
        dead_days: DeadDays = stock_aging.DEFAULT_DEAD_DAYS, dead_only: DeadOnly = False
    ) -> StreamingResponse:
        """The aging report as CSV, every SKU with stock on hand (or only the dead)."""
        chunks = stock_aging.aging_csv(clock(), dead_days, currency, dead_only)
        return _csv(chunks, "aging.csv")

    @router.get("/cover", responses=responses(401, 404))
    async def get_cover(location: LocationInQuery = None) -> CoverOut:
        """Days of cover per SKU, the shortest first: how long the available units last
        against the forecast, and the expected stock-out day; the reorder suggestions'
        own figures. `location`: that location's stock and demand. 404 unknown location."""
        day = clock()
        lines = await cover_report.cover(day, location)
        return CoverOut(
            today=day,
            location=location,
            lines=[
                CoverLineOut(
                    code=line.code,
                    name=line.name,
                    available=line.available,
                    incoming=line.incoming,
                    units_per_day=round(line.per_day, 3),
                    method=line.method,
                    days_of_cover=line.days_of_cover,
                    stockout=line.stockout,
                )
                for line in lines
            ],
        )

    @router.get("/cover.csv", responses={**responses(401, 404), **CSV_OK})
    async def get_cover_csv(location: LocationInQuery = None) -> StreamingResponse:
        """The days of cover report as CSV."""
        lines = await cover_report.cover(clock(), location)
        return _csv(cover_report.cover_csv(lines), "cover.csv")

    @router.get("/sync-health", responses=responses(401))
    async def get_sync_health(days: Days = sync_health.DEFAULT_DAYS) -> SyncHealthOut:
        """Per UTC day and channel with anything recorded: pushes answered or abandoned,
        failed pushes, quarantines, drift checks, the most listings one check found
        drifting, and syncs that failed whole."""
        report = await sync_health.sync_health(clock(), days)
        rows = [
            SyncDayOut(
                day=row.day,
                channel=row.channel,
                pushes=row.pushes,
                failed_pushes=row.failed_pushes,
                quarantines=row.quarantines,
                drift_checks=row.drift_checks,
                drifting=row.drifting,
                sync_failures=row.sync_failures,
            )
            for row in report.rows
        ]
        return SyncHealthOut.model_validate({**_span(report.span), "rows": rows})

    @router.get("/sync-health.csv", responses={**responses(401), **CSV_OK})
    async def get_sync_health_csv(days: Days = sync_health.DEFAULT_DAYS) -> StreamingResponse:
        """The sync health report as CSV."""
        report = await sync_health.sync_health(clock(), days)
        return _csv(sync_health.sync_health_csv(report), "sync-health.csv")

    return router
