"""The console's Reorder page: what to reorder and why, and the manager's draft orders.

    GET  /replenish?location=&supplier=&service_level=&cover_days=&all=   the page (viewer)
    GET  /replenish.csv?…                    the same suggestions as CSV (viewer)
    POST /replenish/draft                    one draft purchase order per supplier, then
                                             303 to the purchase orders (manager)

Everything the page shows is in its query string. A service level or a number of days
the page cannot read is refused with 400 and a sentence; an unknown location or supplier
with 404, nothing drafted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import catalogue, purchasing, replenishment
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import DEFAULT_LOCATION, LedgerError, UnknownLocation
from syncbot.ledger.purchasing import UnknownSupplier


@dataclass(frozen=True)
class Choice:
    """What the page was asked for, read from its query string or its form."""

    location: str | None
    supplier: str | None
    service_level: float
    cover_days: int
    every: bool

    def query(self) -> dict[str, object]:
        return {
            "location": self.location or "",
            "supplier": self.supplier or "",
            "service_level": self.service_level,
            "cover_days": self.cover_days,
            "all": "1" if self.every else "",
        }


def _choice(given: Mapping[str, object]) -> Choice:
    def text(name: str) -> str | None:
        value = str(given.get(name) or "").strip()
        if len(value) > 255 or not value.isprintable():
            raise PageError(400, f"The {name.replace('_', ' ')} is not something this page reads.")
        return value or None

    level_text = text("service_level")
    days_text = text("cover_days")
    try:
        level = replenishment.DEFAULT_SERVICE_LEVEL if level_text is None else float(level_text)
        days = replenishment.DEFAULT_COVER_DAYS if days_text is None else int(days_text)
    except ValueError as error:
        raise PageError(
            400, "A service level is a number like 0.95, and cover a whole number of days."
        ) from error
    if not 0 < level < 1:
        raise PageError(400, f"A service level is between 0 and 1, like 0.95, not {level_text}.")
    if not 0 <= days <= 3650:
        raise PageError(400, f"Cover is 0 to 3650 days, not {days_text}.")
    return Choice(text("location"), text("supplier"), level, days, bool(given.get("all")))


async def _lines(choice: Choice) -> list[replenishment.Line]:
    try:
        if choice.location is not None:
            await replenishment.check_location(choice.location)
        return await replenishment.suggestions(
            today=datetime.now(UTC).date(),
            location=choice.location,
            supplier=choice.supplier,
            service_level=choice.service_level,
            cover_days=choice.cover_days,
            only_orders=not choice.every,
        )
    except UnknownLocation as unknown:
        raise PageError(404, f"There is no location {choice.location} here.") from unknown
    except UnknownSupplier as unknown:
        raise PageError(404, f"There is no supplier {choice.supplier} here.") from unknown


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer, manager = console.user(Role.VIEWER), console.user(Role.MANAGER)

    @router.get("/replenish")
    async def page(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        choice = _choice(request.query_params)
        lines = await _lines(choice)
        query = urlencode({k: v for k, v in choice.query().items() if v != ""})
        return console.render(
            request,
            "replenish.html",
            user,
            page="replenish",
            choice=choice,
            lines=lines,
            to_order=sum(1 for line in lines if line.suggestion.quantity),
            units=sum(line.suggestion.quantity for line in lines),
            locations=await catalogue.list_locations(),
            suppliers=[supplier.name for supplier in await purchasing.list_suppliers()],
            csv_url=f"/replenish.csv?{query}",
            may_draft=user.may(Role.MANAGER),
        )

    @router.get("/replenish.csv")
    async def csv_file(
        request: Request,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        lines = await _lines(_choice(request.query_params))
        return Response(
            replenishment.csv_text(lines),
            media_type="text/csv; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": 'attachment; filename="replenishment.csv"',
            },
        )

    @router.post("/replenish/draft")
    async def draft(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        choice = _choice({key: posted.get(key) for key in posted})
        lines = await _lines(Choice(choice.location, choice.supplier, choice.service_level,
                                    choice.cover_days, False))  # fmt: skip
        try:
            drafted = await replenishment.draft_orders(
                lines, user.actor, location=choice.location or DEFAULT_LOCATION
            )
        except LedgerError as refusal:
            raise PageError(409, str(refusal)) from refusal
        target = "/purchase-orders" if drafted else "/replenish"
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    return router
