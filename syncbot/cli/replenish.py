"""`syncbot replenish`: what to reorder, when, and why, per SKU; `--draft-po` drafts the
purchase orders, one per supplier."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from syncbot import bootstrap
from syncbot.app import replenishment
from syncbot.app.actor import Actor
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import load, run
from syncbot.ledger import DEFAULT_LOCATION

replenish_app = typer.Typer()


@replenish_app.command("replenish")
def replenish_command(
    location: Annotated[
        str | None,
        typer.Option(help="Stock and demand at this location only.", show_default=False),
    ] = None,
    supplier: Annotated[
        str | None, typer.Option(help="Only the SKUs this supplier supplies.", show_default=False)
    ] = None,
    service_level: Annotated[
        float,
        typer.Option(help="The chance of not running out within a lead time, in (0, 1)."),
    ] = replenishment.DEFAULT_SERVICE_LEVEL,
    cover_days: Annotated[
        int, typer.Option("--cover-days", help="Days of demand an order should cover.")
    ] = replenishment.DEFAULT_COVER_DAYS,
    lead_time: Annotated[
        int,
        typer.Option("--lead-time", help="Lead time in days of a SKU no supplier's terms cover."),
    ] = replenishment.DEFAULT_LEAD_TIME_DAYS,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every SKU, not only those to order.")
    ] = False,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit", help="Fit every SKU's forecast again, even those fitted earlier today."
        ),
    ] = False,
    draft_po: Annotated[
        bool,
        typer.Option(
            "--draft-po",
            help="Create a draft purchase order per supplier with the quantities to order.",
        ),
    ] = False,
) -> None:
    """What to reorder: each SKU's forecast (the method that backtests best on its own sales),
    reorder point, days of cover and order quantity, with the reasoning behind it."""
    settings, channels = load()
    today = datetime.now(UTC).date()

    async def work() -> None:
        async with bootstrap.database(settings, channels):
            await replenishment.check_location(location)
            if refit:
                fitted = await replenishment.refit(today, location=location, progress=_progress)
                typer.echo(f"fitted {fitted:,} forecasts", err=True)
            lines = await replenishment.suggestions(
                today=today,
                location=location,
                supplier=supplier,
                service_level=service_level,
                cover_days=cover_days,
                lead_time_days=lead_time,
                only_orders=not show_all,
                progress=_progress,
            )
            cli_tables.console().print(_table(lines, today.isoformat()))
            for line in lines:
                typer.echo(f"{line.sku}: {line.reasoning}")
            if draft_po:
                drafted = await replenishment.draft_orders(
                    lines, Actor.cli(), location=location or DEFAULT_LOCATION
                )
                for order in drafted:
                    typer.echo(
                        f"drafted {order.number} for {order.supplier}: "
                        f"{order.lines} lines, {order.units} units"
                    )
                    if order.without_cost:
                        typer.echo(
                            f"  no cost known for {', '.join(order.without_cost)}: "
                            f"set it with `syncbot po edit {order.number} SKU --cost C`"
                        )
                unsupplied = [
                    line.sku for line in lines if line.suggestion.quantity and not line.supplier
                ]
                if unsupplied:
                    typer.echo(f"no supplier for {', '.join(unsupplied)}: not drafted")

    run(work())


def _progress(done: int, total: int) -> None:
    typer.echo(f"fitted forecasts for {done:,} of {total:,} SKUs", err=True)


def _table(lines: list[replenishment.Line], day: str) -> Table:
    table = Table(title=f"Reorder suggestions on {day}", title_justify="left")
    for column in ("code", "supplier", "order", "sells/day", "method", "MAE", "reorder point",
                   "available", "incoming", "days of cover", "runs out"):  # fmt: skip
        table.add_column(
            column, justify="left" if column in ("code", "supplier", "method") else "right"
        )
    for line in lines:
        suggestion, forecast = line.suggestion, line.forecast
        point = str(suggestion.computed_reorder_point)
        if suggestion.manual:
            point = f"{suggestion.reorder_point} (set; computed {point})"
        table.add_row(
            line.sku,
            line.supplier or "",
            str(suggestion.quantity),
            f"{forecast.rate:.1f}",
            str(forecast.method),
            "new" if forecast.mae is None else f"{forecast.mae:.1f}",
            point,
            str(suggestion.stock.available),
            str(suggestion.stock.incoming),
            "–" if suggestion.days_of_cover is None else str(suggestion.days_of_cover),
            "" if suggestion.stockout is None else suggestion.stockout.isoformat(),
        )
    return table
