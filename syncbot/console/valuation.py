"""The console's Valuation page: what the stock is worth (at a location, at a date), and
the cost of goods sold over a period, each with its CSV.

    GET /valuation?location=&at=&after=&from=&to=   the page (viewer)
    GET /valuation.csv?location=&at=                 every SKU's value, as CSV (viewer)
    GET /cost-of-goods.csv?from=&to=                 the period's figures, as CSV (viewer)

Everything the page shows is in its query string. A date that is not a date, or a period
that ends before it starts, is refused with 400 and a sentence; an unknown location 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from syncbot.app import catalogue, report_dates
from syncbot.app import valuation as reports
from syncbot.app.roles import Role
from syncbot.console.pages import (
    Console,
    ConsoleUser,
    PageError,
    csv_download,
    url_with,
)
from syncbot.ledger import UnknownLocation
from syncbot.ledger.costing import format_money

PAGE_SIZE = 50
MAX_CURSOR = 128


def clock() -> datetime:
    return datetime.now(UTC)


def _text(value: str | None, what: str, limit: int = report_dates.MAX_TEXT) -> str | None:
    given = (value or "").strip()
    if not given:
        return None
    if len(given) > limit or not given.isprintable():
        raise PageError(
            400, f"{what} is not something this page can read: use a date like 2026-11-30"
        )
    return given


def _moment(at: str | None) -> datetime | None:
    given = _text(at, "The date")
    try:
        return None if given is None else report_dates.moment_at(given, "The date")
    except report_dates.ReportDateError as error:
        raise PageError(400, f"{error}.") from error


def _period(start: str | None, end: str | None) -> report_dates.Period:
    first, last = _text(start, "The period's start"), _text(end, "The period's end")
    if first is None and last is None:
        return report_dates.month_to_date(clock())
    try:
        return report_dates.period(first, last, ("from", "to"))
    except report_dates.ReportDateError as error:
        raise PageError(400, f"{error}.") from error


async def _location(location: str | None) -> str | None:
    name = _text(location, "The location", 64)
    try:
        await reports.check_location(name)
    except UnknownLocation as unknown:
        raise PageError(404, f"There is no location {name} here.") from unknown
    return name


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)
    currency = console.currency

    @router.get("/valuation")
    async def valuation_page(
        request: Request,
        location: str | None = None,
        at: str | None = None,
        after: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        moment = _moment(at)
        where = await _location(location)
        cursor = _text(after, "The page", MAX_CURSOR) or ""
        period = _period(request.query_params.get("from"), request.query_params.get("to"))
        page = await reports.valuation(where, moment, after=cursor, limit=PAGE_SIZE)
        costs = await reports.cost_of_goods(period, limit=PAGE_SIZE)
        shown = {"location": where, "at": at and at.strip()}
        span = {"from": f"{period.start:%Y-%m-%d}", "to": f"{period.end:%Y-%m-%d}"}
        return console.render(
            request,
            "valuation.html",
            user,
            page="reports",  # Valuation is one of the Reports (console.reports)
            currency=currency,
            money=lambda value: format_money(value, currency),
            average=reports.average_text,
            cost_values=reports.cost_values,
            locations=await catalogue.list_locations(),
            location=where,
            at=shown["at"] or "",
            moment=moment,
            valuation=page,
            costs=costs,
            period=period,
            period_from=span["from"],
            period_to=span["to"],
            next_url=None
            if page.next_after is None
            else url_with("/valuation", **shown, after=page.next_after, **span),
            first_url=url_with("/valuation", **shown, **span) if cursor else None,
            csv_url=url_with("/valuation.csv", **shown),
            cost_csv_url=url_with("/cost-of-goods.csv", **span),
        )

    @router.get("/valuation.csv")
    async def valuation_csv(
        location: str | None = None,
        at: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        moment = _moment(at)
        where = await _location(location)
        return csv_download(reports.valuation_csv(where, moment, currency), "valuation.csv")

    @router.get("/cost-of-goods.csv")
    async def cost_csv(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        period = _period(request.query_params.get("from"), request.query_params.get("to"))
        return csv_download(reports.cost_csv(period, currency), "cost-of-goods.csv")

    return router
