"""`syncbot channels listings|release`: a channel's listings and their quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from syncbot.app import channels as channels_use
from syncbot.app.channels import ListingFilter
from syncbot.cli import tables as cli_tables
from syncbot.cli.channels import channels_app, require_channel
from syncbot.cli.common import fail, load, run_with_database


@channels_app.command("listings")
def listings_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The channel's name.")],
    state: Annotated[
        ListingFilter, typer.Option(help="Only listings in this state.")
    ] = ListingFilter.ALL,
    quarantined: Annotated[
        bool, typer.Option("--quarantined", help="Same as --state quarantined.")
    ] = False,
) -> None:
    """A channel's listings: what it holds, what it was last sent, holds, drift, quarantine,
    abandoned pushes."""
    _, channels = load()
    require_channel(channels, name)
    which = ListingFilter.QUARANTINED if quarantined else state
    rows = run_with_database(lambda: channels_use.listings(name, which))
    if not rows:
        typer.echo(f"{name}: no listings" + ("" if which is ListingFilter.ALL else f" {which}"))
        return
    table = Table(title=f"{name}: listings ({which})", title_justify="left")
    for column in ("sku", "channel", "last pushed", "pushed at", "drift", "state"):
        table.add_column(column)
    for row in rows:
        state_text = {
            "managed": "managed by the storefront: not pushed (its components are)",
            "quarantined": f"quarantined: {row.quarantined_error}",
            "abandoned": f"abandoned: {row.abandoned_error} (read again and re-planned)",
            "held": f"held since {_time(row.held_since)}",
        }.get(row.state, "")
        table.add_row(
            row.sku,
            quantity(row.channel_quantity),
            quantity(row.pushed_quantity),
            _time(row.pushed_at),
            "" if row.drift is None else f"{row.drift:+d}",
            state_text,
        )
    cli_tables.console().print(table)


@channels_app.command("release")
def release_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The channel's name.")],
    skus: Annotated[
        list[str] | None, typer.Argument(metavar="[SKU]...", help="Listings to release.")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Release every quarantined listing.")
    ] = False,
) -> None:
    """Push quarantined listings again, once their error is fixed on the channel."""
    if not skus and not every:
        raise fail("name the SKUs to release, or give --all")
    _, channels = load()
    require_channel(channels, name)
    count = run_with_database(lambda: channels_use.release(name, None if every else skus))
    typer.echo(f"{name}: {count} listing(s) released; the next sync pushes them")


def quantity(quantity: int | None) -> str:
    return "?" if quantity is None else str(quantity)


def _time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")
