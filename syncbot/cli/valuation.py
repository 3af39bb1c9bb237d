"""What the stock is worth and what it cost: `valuation` and `cost-of-goods`, as a table
or as CSV on stdout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer

from syncbot import bootstrap
from syncbot.app import report_dates
from syncbot.app import valuation as use_valuation
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import load, run
from syncbot.cli.options import refused_input

PROGRESS_EVERY = 10_000
T = TypeVar("T")

valuation_app = typer.Typer()

AsCsv = Annotated[
    bool, typer.Option("--csv", help="Write every line as CSV on stdout instead of a table.")
]


def _with_database(work: Callable[[str], Awaitable[T]]) -> T:
    """Runs `work(currency)` against the migrated database; failures exit in one line."""
    settings, channels = load()

    async def main() -> T:
        async with bootstrap.database(settings, channels):
            return await work(settings.currency)

    return run(main())


async def _write(chunks: AsyncIterator[str]) -> None:
    async for chunk in chunks:
        typer.echo(chunk, nl=False)


async def _collect(lines: AsyncIterator[T]) -> list[T]:
    """Every line, with a note on stderr every PROGRESS_EVERY: a large report takes time."""
    collected: list[T] = []
    async for line in lines:
        collected.append(line)
        if len(collected) % PROGRESS_EVERY == 0:
            typer.echo(f"read {len(collected):,} SKUs...", err=True)
    return collected


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "now"
    return f"at {moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@valuation_app.command("valuation")
def valuation_command(
    location: Annotated[
        str | None,
        typer.Option(
            help="Only this location's units, at each SKU's average over every location.",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="The value at the end of this UTC day (YYYY-MM-DD), or at a date and time.",
            show_default=False,
        ),
    ] = None,
    as_csv: AsCsv = False,
) -> None:
    """What the stock on hand is worth: per SKU, on hand × moving average cost, and totals."""
    with refused_input():
        moment = None if at is None else report_dates.moment_at(at)

    async def work(currency: str) -> None:
        await use_valuation.check_location(location)
        if as_csv:
            await _write(use_valuation.valuation_csv(location, moment, currency))
            return
        lines = await _collect(use_valuation.valuation_lines(location, moment))
        totals = await use_valuation.valuation_totals(location, moment)
        where = f" at {location}" if location else ""
        title = f"Stock value{where} {_when(moment)} ({currency})"
        cli_tables.console().print(cli_tables.valuation_table(title, lines, totals, currency))

    _with_database(work)


@valuation_app.command("cost-of-goods")
def cost_of_goods_command(
    start: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="DATE",
            help="First day of the period (YYYY-MM-DD, UTC), or a date and time.",
            show_default=False,
        ),
    ],
    end: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="DATE",
            help="First day after the period: --from 2026-11-01 --to 2026-12-01 is November.",
            show_default=False,
        ),
    ],
    as_csv: AsCsv = False,
) -> None:
    """Cost of goods sold, write-offs and receipts over a period, per SKU, and totals."""
    with refused_input():
        period = report_dates.period(start, end)

    async def work(currency: str) -> None:
        if as_csv:
            await _write(use_valuation.cost_csv(period, currency))
            return
        lines = await _collect(use_valuation.cost_lines(period))
        totals = await use_valuation.cost_totals(period)
        title = (
            f"Cost of goods sold from {period.start:%Y-%m-%d %H:%M} "
            f"to {period.end:%Y-%m-%d %H:%M} UTC ({currency})"
        )
        cli_tables.console().print(cli_tables.cost_table(title, lines, totals, currency))

    _with_database(work)
