"""`syncbot channels ...` and `syncbot parked`: the storefronts in the channels file."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import httpx
import typer
from rich.table import Table

from connectors.base import Connector
from connectors.registry import build_connectors, secret_variables
from syncbot.app import catalogue
from syncbot.channels_file import ChannelsFile
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, load, run_with_database
from syncbot.intake.catch_up import CatchUpReport, NotCaughtUpYet, catch_up
from syncbot.sync.listings import discover

T = TypeVar("T")

channels_app = typer.Typer(
    help="The storefronts declared in the channels file.", no_args_is_help=True
)
Name = Annotated[
    str, typer.Argument(metavar="NAME", help="The channel's name in the channels file.")
]


def require_channel(channels: ChannelsFile, name: str) -> None:
    """Exits 2 naming the channel when the channels file does not declare it."""
    if name not in {channel.name for channel in channels.channels}:
        raise fail(f"no channel named {name!r} in the channels file (see `syncbot channels list`)")


def run_with_channel(name: str, work: Callable[[Connector], Awaitable[T]]) -> T:
    """Runs work against one channel's connector, with the database open."""
    _, channels = load()
    require_channel(channels, name)

    async def with_connector() -> T:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
            return await work(build_connectors(channels, os.environ, http)[name])

    return run_with_database(with_connector)


@channels_app.command("list")
def list_channels() -> None:
    """Show each channel: kind, settings, and whether its secrets are set."""
    _, channels = load()
    if not channels.channels:
        typer.echo("no channels: declare them under [[channels]] in the channels file")
        return
    table = Table(title="channels", title_justify="left")
    for column in ("name", "kind", "settings", "secrets"):
        table.add_column(column)
    for channel in channels.channels:
        settings = ", ".join(f"{k}={v}" for k, v in sorted(channel.settings().items()))
        missing = [v for v in secret_variables(channel) if not os.environ.get(v)]
        secrets = "set" if not missing else "missing: " + ", ".join(missing)
        table.add_row(channel.name, channel.kind, settings, secrets)
    cli_tables.console().print(table)


@channels_app.command("check")
def check(name: Name) -> None:
    """Call the channel's API and report whether its credentials work."""

    async def work(connector: Connector) -> str:
        return await connector.check()

    typer.echo(f"{name}: ok, {run_with_channel(name, work)}")


@channels_app.command("catch-up")
def catch_up_command(
    name: Name,
    since: Annotated[
        datetime | None,
        typer.Option(
            help="Start here instead of the stored cursor; required the first time: the "
            "time of the stock count the ledger started from (UTC unless an offset is given).",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
            show_default=False,
        ),
    ] = None,
) -> None:
    """Reconcile every order the channel updated since the last catch-up."""

    def progress(report: CatchUpReport) -> None:
        typer.echo(f"  {len(report.orders)} orders read, up to {report.cursor}", err=True)

    start = since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
    report = run_with_channel(name, lambda connector: catch_up(connector, progress, since=start))
    if isinstance(report, NotCaughtUpYet):
        raise fail(str(report))
    typer.echo(
        f"{name}: {len(report.orders)} orders reconciled, {len(report.changed)} moved stock "
        f"the webhooks had not; next catch-up starts after {report.cursor}"
    )
    for refusal in report.refused:
        typer.echo(f"  skipped: {refusal}")


@channels_app.command("discover")
def discover_command(
    name: Name,
    create_skus: Annotated[
        bool, typer.Option("--create-skus", help="Add the channel's unknown SKUs to syncbot.")
    ] = False,
) -> None:
    """Store the channel's listings (SKU and inventory ids), import their barcodes, and
    report problems: a barcode another SKU holds or with a wrong check digit is reported,
    never moved or overwritten."""
    report = run_with_channel(name, lambda connector: discover(connector, create_skus=create_skus))
    typer.echo(f"{name}: {report.listings} listings stored")
    for sku, listing_ids in report.duplicates.items():
        typer.echo(f"  duplicate SKU {sku}: listed by {', '.join(listing_ids)} (not stored)")
    if report.unknown:
        typer.echo(
            f"  unknown to syncbot: {', '.join(report.unknown)} (add them, or --create-skus)"
        )
    if report.created:
        typer.echo(f"  added SKUs: {', '.join(report.created)}")
    if report.managed:
        typer.echo(
            f"  managed by the storefront, not pushed: {', '.join(report.managed)} "
            "(bundle products whose quantity the storefront derives; their components are "
            "pushed)"
        )
    if report.without_sku:
        typer.echo(f"  {report.without_sku} listings have no SKU")
    if report.barcodes_added:
        added = ", ".join(f"{row.barcode} → {row.sku}" for row in report.barcodes_added)
        typer.echo(f"  barcodes imported: {added}")
    for conflict in report.barcode_conflicts:
        typer.echo(f"  barcode conflict, not imported for {conflict.sku}: {conflict.problem}")


def parked() -> None:
    """Order and return lines not applied, and why: add a missing SKU and they are applied."""
    rows = run_with_database(catalogue.parked_lines)
    if not rows:
        typer.echo("no parked lines")
        return
    table = Table(title="parked lines", title_justify="left")
    for column in ("channel", "order", "line", "sku", "quantity", "since", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        sku = row.sku or "(no SKU)"
        since = row.since.strftime("%Y-%m-%d %H:%M")
        table.add_row(
            row.channel, row.order_id, row.line_id, sku, str(row.quantity), since, row.reason
        )
    cli_tables.console().print(table)
