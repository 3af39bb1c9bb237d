"""The console's Reports: an index of every report, and a page per report with its table,
its charts and its CSV. Everything a page shows is in its query string.

    GET /reports                                    the index (viewer)
    GET /reports/velocity[.csv]?days=               sales velocity per SKU and channel
    GET /reports/abc[.csv]?days=                    ABC classes by units and by value
    GET /reports/aging[.csv]?dead_days=&dead=&after= stock aging and dead stock
    GET /reports/cover[.csv]?location=              days of cover
    GET /reports/sync-health[.csv]?days=            sync health per day

A number of days that is not one is refused with 400 and a sentence; an unknown location
with 404. Inventory value and cost of goods are the Valuation page (`console.valuation`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from syncbot.app import catalogue, cover_report, sales_reports, stock_aging, sync_health
from syncbot.app.report_span import MAX_DAYS
from syncbot.app.roles import Role
from syncbot.console import report_views
from syncbot.console.pages import (
    Console,
    ConsoleUser,
    PageError,
    csv_download,
    url_with,
)
from syncbot.console.report_views import ReportView
from syncbot.ledger import UnknownLocation

PAGE_SIZE = 100
MAX_CURSOR = 128

TITLES = {
    "velocity": "Sales velocity",
    "abc": "ABC classes",
    "aging": "Stock aging and dead stock",
    "cover": "Days of cover",
    "sync-health": "Sync health",
}


def today() -> date:
    return datetime.now(UTC).date()


def _days(value: str | None, default: int, what: str = "The number of days") -> int:
    given = (value or "").strip()
    if not given:
        return default
    if len(given) > 6 or not given.isdigit() or not 1 <= int(given) <= MAX_DAYS:
        raise PageError(400, f"{what} must be a whole number from 1 to {MAX_DAYS}.")
    return int(given)


def _text(value: str | None, what: str, limit: int) -> str | None:
    given = (value or "").strip()
    if not given:
        return None
    if len(given) > limit or not given.isprintable():
        raise PageError(400, f"{what} is not something this page can read.")
    return given


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)
    currency = console.currency

    def show(
        request: Request,
        user: ConsoleUser,
        report: str,
        view: ReportView,
        csv_url: str,
        **context: Any,
    ) -> HTMLResponse:
        return console.render(
            request,
            "report.html",
            user,
            page="reports",
            report=report,
            title=TITLES[report],
            view=view,
            csv_url=csv_url,
            **context,
        )

    @router.get("/reports")
    async def index(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return console.render(request, "reports.html", user, page="reports", titles=TITLES)

    @router.get("/reports/velocity")
    async def velocity(
        request: Request,
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        span = _days(days, sales_reports.DEFAULT_DAYS)
        report = await sales_reports.velocity(today(), span)
        view = report_views.velocity_view(report)
        csv_url = url_with("/reports/velocity.csv", days=span)
        return show(request, user, "velocity", view, csv_url, days=span)

    @router.get("/reports/velocity.csv")
    async def velocity_csv(
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        report = await sales_reports.velocity(today(), _days(days, sales_reports.DEFAULT_DAYS))
        return csv_download(sales_reports.velocity_csv(report), "velocity.csv")

    @router.get("/reports/abc")
    async def abc(
        request: Request,
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        span = _days(days, sales_reports.DEFAULT_DAYS)
        report = await sales_reports.abc(today(), span)
        view = report_views.abc_view(report, currency)
        return show(request, user, "abc", view, url_with("/reports/abc.csv", days=span), days=span)

    @router.get("/reports/abc.csv")
    async def abc_csv(
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        report = await sales_reports.abc(today(), _days(days, sales_reports.DEFAULT_DAYS))
        return csv_download(sales_reports.abc_csv(report, currency), "abc.csv")

    @router.get("/reports/aging")
    async def aging(
        request: Request,
        dead_days: str | None = None,
        dead: str | None = None,
        after: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        window = _days(dead_days, stock_aging.DEFAULT_DEAD_DAYS, "The dead stock's days")
        dead_only = dead == "1"
        cursor = _text(after, "The page", MAX_CURSOR) or ""
        day = today()
        lines, next_after = await _aging_page(day, window, dead_only, cursor)
        totals = await stock_aging.totals(day, window)
        view = report_views.aging_view(lines, totals, currency)
        shown = {"dead_days": window, "dead": "1" if dead_only else None}
        return show(
            request,
            user,
            "aging",
            view,
            url_with("/reports/aging.csv", **shown),
            dead_days=window,
            dead_only=dead_only,
            next_url=None
            if next_after is None
            else url_with("/reports/aging", **shown, after=next_after),
            first_url=url_with("/reports/aging", **shown) if cursor else None,
        )

    @router.get("/reports/aging.csv")
    async def aging_csv(
        dead_days: str | None = None,
        dead: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        window = _days(dead_days, stock_aging.DEFAULT_DEAD_DAYS, "The dead stock's days")
        chunks = stock_aging.aging_csv(today(), window, currency, dead == "1")
        return csv_download(chunks, "aging.csv")

    @router.get("/reports/cover")
    async def cover(
        request: Request,
        location: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        where = _text(location, "The location", 64)
        lines = await _cover(where)
        view = report_views.cover_view(lines)
        return show(
            request,
            user,
            "cover",
            view,
            url_with("/reports/cover.csv", location=where),
            location=where,
            locations=await catalogue.list_locations(),
        )

    @router.get("/reports/cover.csv")
    async def cover_csv(
        location: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        lines = await _cover(_text(location, "The location", 64))
        return csv_download(cover_report.cover_csv(lines), "cover.csv")

    @router.get("/reports/sync-health")
    async def health(
        request: Request,
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        span = _days(days, sync_health.DEFAULT_DAYS)
        report = await sync_health.sync_health(today(), span)
        view = report_views.sync_health_view(report)
        csv_url = url_with("/reports/sync-health.csv", days=span)
        return show(request, user, "sync-health", view, csv_url, days=span)

    @router.get("/reports/sync-health.csv")
    async def health_csv(
        days: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> StreamingResponse:
        report = await sync_health.sync_health(today(), _days(days, sync_health.DEFAULT_DAYS))
        return csv_download(sync_health.sync_health_csv(report), "sync-health.csv")

    return router


async def _aging_page(
    day: date, window: int, dead_only: bool, cursor: str
) -> tuple[list[stock_aging.AgedLine], str | None]:
    """A page of the aging report; with `dead_only`, the dead SKUs after `cursor`."""
    if not dead_only:
        page = await stock_aging.page(day, window, after=cursor, limit=PAGE_SIZE)
        return page.lines, page.next_after
    lines: list[stock_aging.AgedLine] = []
    async for line in stock_aging.lines(day, window, dead_only=True):
        if line.code > cursor:
            lines.append(line)
        if len(lines) > PAGE_SIZE:
            return lines[:PAGE_SIZE], lines[PAGE_SIZE - 1].code
    return lines, None


async def _cover(location: str | None) -> list[cover_report.CoverLine]:
    try:
        return await cover_report.cover(today(), location)
    except UnknownLocation as unknown:
        raise PageError(404, f"There is no location {location} here.") from unknown
