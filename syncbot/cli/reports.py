"""`syncbot report ...`: reports read from the ledger, as a table or as CSV on stdout;
`shrinkage` here, and velocity, abc, aging, cover and sync-health registered on the same
group by `cli.report_commands`."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

import typer
from rich.table import Table

from syncbot import bootstrap
from syncbot.app import shrinkage as use_shrinkage
from syncbot.app.shrinkage import ShrinkageReport
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import load, run
from syncbot.cli.options import refused_input
from syncbot.ledger.costing import format_money

report_app = typer.Typer(
    help="Reports: shrinkage, sales velocity, ABC classes, stock aging, days of cover, "
    "sync health.",
    no_args_is_help=True,
)


def shrinkage_table(shrinkage: ShrinkageReport, currency: str) -> Table:
    """One row per reason, then the total lost from the books (damage not added)."""
    where = f" at {shrinkage.location}" if shrinkage.location else ""
    since = shrinkage.since
    when = "all history" if since is None else f"since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    table = Table(title=f"Shrinkage{where}, {when} ({currency})", title_justify="left")
    table.add_column("reason")
    table.add_column("units lost", justify="right")
    table.add_column(f"value ({currency})", justify="right")
    for line in shrinkage.lines:
        label = line.label if line.in_total else f"{line.label} (not in the total)"
        table.add_row(label, str(line.units), format_money(line.value, currency))
    table.add_section()
    table.add_row("total lost", str(shrinkage.units), format_money(shrinkage.value, currency))
    return table


@report_app.command("shrinkage")
def shrinkage_command(
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help="From the start of this UTC day (YYYY-MM-DD), or a date and time; "
            "all history when left out.",
            show_default=False,
        ),
    ] = None,
    location: Annotated[
        str | None, typer.Option(help="Only this location.", show_default=False)
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead.")] = False,
) -> None:
    """Units and value lost by reason: damage, count differences, adjustments, write-offs.

    The total is what left the books (counts, adjustments, write-offs); damaged units are
    shown apart, at today's average cost, and counted again once written off.
    """
    with refused_input():
        moment = use_shrinkage.since(since)
    settings, channels = load()

    async def main() -> ShrinkageReport:
        async with bootstrap.database(settings, channels):
            return await use_shrinkage.report(moment, location)

    shrinkage = run(main())
    if as_csv:
        typer.echo(use_shrinkage.as_csv(shrinkage, settings.currency), nl=False)
    else:
        cli_tables.console().print(shrinkage_table(shrinkage, settings.currency))
