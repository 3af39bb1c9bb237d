"""`syncbot report velocity|abc|aging|cover|sync-health`: what sold, how old the stock is,
how long it lasts and how the sync went, as a table or as CSV on stdout (`--csv`).
Registered on the `report` group (`cli.reports`) when this module is imported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from syncbot.app import cover_report, sales_reports, stock_aging, sync_health
from syncbot.app.report_span import MAX_DAYS, check_days
from syncbot.cli import report_tables
from syncbot.cli.options import refused_input
from syncbot.cli.reports import report_app
from syncbot.cli.tables import console
from syncbot.cli.valuation import AsCsv, _collect, _with_database, _write

Days = Annotated[
    int,
    typer.Option(
        min=1, max=MAX_DAYS, help="The last N UTC days, today included.", show_default=True
    ),
]


def _today() -> date:
    return datetime.now(UTC).date()


async def _print_csv(chunks: AsyncIterator[str]) -> None:
    await _write(chunks)


@report_app.command("velocity")
def velocity_command(days: Days = sales_reports.DEFAULT_DAYS, as_csv: AsCsv = False) -> None:
    """Units sold per SKU and channel over the last N days, and units per day."""

    async def work(currency: str) -> None:
        report = await sales_reports.velocity(_today(), days)
        if as_csv:
            await _print_csv(sales_reports.velocity_csv(report))
            return
        console().print(report_tables.velocity_table(report))

    _with_database(work)


@report_app.command("abc")
def abc_command(days: Days = sales_reports.DEFAULT_DAYS, as_csv: AsCsv = False) -> None:
    """ABC classes by units and by value (units × average cost): A the first 80%, B to 95%."""

    async def work(currency: str) -> None:
        report = await sales_reports.abc(_today(), days)
        if as_csv:
            await _print_csv(sales_reports.abc_csv(report, currency))
            return
        console().print(report_tables.abc_table(report, currency))

    _with_database(work)


@report_app.command("aging")
def aging_command(
    dead_days: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_DAYS,
            help="Stock on hand with no sale in this many days is dead.",
            show_default=True,
        ),
    ] = stock_aging.DEFAULT_DEAD_DAYS,
    dead_only: Annotated[
        bool, typer.Option("--dead", help="Only the dead stock.", show_default=False)
    ] = False,
    as_csv: AsCsv = False,
) -> None:
    """Days since each SKU's last receipt and last sale, and its dead stock."""
    with refused_input():
        check_days(dead_days, "--dead-days")
    today = _today()

    async def work(currency: str) -> None:
        if as_csv:
            await _print_csv(stock_aging.aging_csv(today, dead_days, currency, dead_only))
            return
        lines = await _collect(stock_aging.lines(today, dead_days, dead_only=dead_only))
        totals = await stock_aging.totals(today, dead_days)
        title = f"Stock aging on {today} (UTC); dead: no sale in {dead_days} days"
        console().print(report_tables.aging_table(title, lines, totals, currency))

    _with_database(work)


@report_app.command("cover")
def cover_command(
    location: Annotated[
        str | None,
        typer.Option(help="Only this location's stock and demand.", show_default=False),
    ] = None,
    as_csv: AsCsv = False,
) -> None:
    """Days of cover and expected stock-out per SKU (the figures `replenish` works from)."""
    today = _today()

    async def work(currency: str) -> None:
        lines = await cover_report.cover(today, location)
        if as_csv:
            await _print_csv(cover_report.cover_csv(lines))
            return
        where = f" at {location}" if location else ""
        title = f"Days of cover{where} on {today} (UTC), the shortest first"
        console().print(report_tables.cover_table(title, lines))

    _with_database(work)


@report_app.command("sync-health")
def sync_health_command(days: Days = sync_health.DEFAULT_DAYS, as_csv: AsCsv = False) -> None:
    """Pushes, failures, quarantines, drift and failed syncs per day and channel."""

    async def work(currency: str) -> None:
        report = await sync_health.sync_health(_today(), days)
        if as_csv:
            await _print_csv(sync_health.sync_health_csv(report))
            return
        console().print(report_tables.sync_health_table(report))

    _with_database(work)
