"""`/api/shrinkage` and `/api/shrinkage.csv`: units and value lost by reason, as JSON or as
a CSV file; read-only, so a viewer's token reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel

from syncbot.app import shrinkage as reports
from syncbot.ledger.costing import format_money
from syncbot.web.auth import AUTH_RESPONSES, Access
from syncbot.web.errors import responses
from syncbot.web.valuation_api import CSV_OK, DATE_QUERY, LocationInQuery

Since = Annotated[str | None, DATE_QUERY]


class ShrinkageLineOut(BaseModel):
    reason: str
    """The movement kind: damage, count, adjust, write_off."""
    label: str
    units: int
    """Lost (positive) or found (negative)."""
    value: str
    in_total: bool
    """false for damage: damaged units stay on hand until written off."""


class ShrinkageTotalOut(BaseModel):
    units: int
    value: str


class ShrinkageOut(BaseModel):
    currency: str
    since: str | None
    """null: all history."""
    location: str | None
    lines: list[ShrinkageLineOut]
    total: ShrinkageTotalOut
    """Counts + adjustments + write-offs: what left the books."""


def shrinkage_router(access: Access, currency: str) -> APIRouter:
    """Both need a viewer's token; amounts are decimal strings of `currency`."""
    router = APIRouter(
        prefix="/api",
        tags=["reports"],
        dependencies=[Depends(access.caller)],
        responses=AUTH_RESPONSES,
    )

    @router.get("/shrinkage", responses=responses(404))
    async def get_shrinkage(location: LocationInQuery = None, since: Since = None) -> ShrinkageOut:
        """Units and value lost by reason: damage, count differences, adjustments and
        write-offs, since the start of `since` (a UTC day, or a moment; all history when
        left out), at `location` or everywhere. Damage is valued at the SKU's average cost
        now and left out of the total, which is what left the books. 404 an unknown
        location; 422 a bad date."""
        shrinkage = await reports.report(reports.since(since, "since"), location)
        return ShrinkageOut(
            currency=currency,
            since=None if shrinkage.since is None else shrinkage.since.isoformat(),
            location=location,
            lines=[
                ShrinkageLineOut(
                    reason=line.reason,
                    label=line.label,
                    units=line.units,
                    value=format_money(line.value, currency),
                    in_total=line.in_total,
                )
                for line in shrinkage.lines
            ],
            total=ShrinkageTotalOut(
                units=shrinkage.units, value=format_money(shrinkage.value, currency)
            ),
        )

    @router.get("/shrinkage.csv", responses={**responses(404), **CSV_OK})
    async def get_shrinkage_csv(location: LocationInQuery = None, since: Since = None) -> Response:
        """The shrinkage report as CSV: one row per reason, then the total."""
        shrinkage = await reports.report(reports.since(since, "since"), location)
        return Response(
            reports.as_csv(shrinkage, currency),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="shrinkage.csv"'},
        )

    return router
