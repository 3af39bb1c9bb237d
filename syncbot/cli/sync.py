"""`syncbot sync`, `drift`, `worker` and `channels listings|release`: pushing to channels."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

import httpx
import typer
from rich.table import Table

from connectors.registry import build_connectors
from syncbot.cli import tables as cli_tables
from syncbot.cli.channels import channels_app, require_channel
from syncbot.cli.common import fail, load, run, run_with_database
from syncbot.config import ChannelsFile, ConfigError, Settings
from syncbot.logs import configure_logging
from syncbot.runtime.leader import Leadership
from syncbot.runtime.scheduler import SyncScheduler
from syncbot.slackbot.app import alert_jobs, slack_settings
from syncbot.store import listings as store
from syncbot.store.database import close_database, declare_locations, open_database
from syncbot.store.preflight import require_schema
from syncbot.sync.channels import SyncChannel, sync_channels
from syncbot.sync.drift import DriftReport, check_drift, read_levels
from syncbot.sync.planner import Plan, plan
from syncbot.sync.pusher import SyncReport, sync
from syncbot.sync.status import ListingFilter, listing_state, listing_states

T = TypeVar("T")
ChannelName = Annotated[
    str | None, typer.Argument(metavar="[CHANNEL]", help="One channel (default: every channel).")
]


def run_with_sync_channels(
    name: str | None, work: Callable[[list[SyncChannel], Settings], Awaitable[T]]
) -> T:
    """Runs work on the chosen channels (or all), with the database open."""
    settings, channels = load()
    if name is not None:
        require_channel(channels, name)
    if not channels.channels:
        raise fail("no channels: declare them under [[channels]] in the channels file")

    async def with_connectors() -> T:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
            every = sync_channels(channels, build_connectors(channels, os.environ, http))
            chosen = [every[name]] if name is not None else list(every.values())
            return await work(chosen, settings)

    return run_with_database(with_connectors)


def sync_command(
    channel: ChannelName = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Read the channels' levels and show the plan; push nothing."
        ),
    ] = False,
) -> None:
    """Push each listing's sellable quantity to its channel now (the scheduler does it too)."""

    async def work(chosen: list[SyncChannel], settings: Settings) -> None:
        grace = timedelta(seconds=settings.hold_grace_seconds)
        for each in chosen:
            if dry_run:
                preview, levels = await _preview(each, grace)
                if preview.items:
                    cli_tables.console().print(_plan_table(preview, levels))
                else:
                    typer.echo(f"{each.name}: no listings: run `syncbot channels discover` first")
                if unlisted := await store.unlisted(each.name):
                    typer.echo(_unlisted_line(each.name, unlisted))
            else:
                typer.echo(f"{each.name}: syncing…", err=True)
                typer.echo(_summary(await sync(each, grace=grace)))

    run_with_sync_channels(channel, work)


async def _preview(channel: SyncChannel, grace: timedelta) -> tuple[Plan, dict[str, int]]:
    """The plan against the levels the channel shows now, and those levels."""

    def progress(done: int, total: int) -> None:
        typer.echo(f"  {channel.name}: {done}/{total} levels read", err=True)

    levels = await read_levels(channel, await store.listings(channel.name), progress)
    now = datetime.now(UTC)
    return await plan(channel, now=now, grace=grace, levels=levels), levels


def _unlisted_line(channel: str, skus: list[str]) -> str:
    shown = ", ".join(skus[:20]) + (f" and {len(skus) - 20} more" if len(skus) > 20 else "")
    return (
        f"{channel}: {len(skus)} SKU(s) have no listing and are not pushed there: {shown} "
        f"(list them on the channel, then `syncbot channels discover {channel}`)"
    )


def _plan_table(preview: Plan, levels: dict[str, int]) -> Table:
    table = Table(title=f"{preview.channel}: dry run, nothing pushed", title_justify="left")
    for column in ("sku", "channel", "planned", "action", "why"):
        table.add_column(column, justify="right" if column in {"channel", "planned"} else "left")
    for item in preview.items:
        why = item.allocation.explanation
        if item.decision.reason:
            why += f"; {item.decision.reason}"
        channel_value = _quantity(levels.get(item.listing.inventory_id))
        table.add_row(item.listing.sku, channel_value, str(item.decision.planned), item.action, why)
    return table


def _summary(report: SyncReport) -> str:
    parts = [
        f"{report.pushed} pushed",
        f"{report.in_sync} in sync",
        f"{report.held} held",
        f"{len(report.quarantined)} quarantined",
    ]
    if report.resumed:
        parts.append(f"{report.resumed} resumed from an interrupted or refused push")
    if report.refused:
        parts.append(f"{report.refused} in batches refused whole")
    if report.stale:
        parts.append(f"{report.stale} stale, re-read")
    line = f"{report.channel}: {report.listings} listings: " + ", ".join(parts)
    for sku in report.quarantined:
        line += (
            f"\n  quarantined {sku}: see `syncbot channels listings {report.channel} --quarantined`"
        )
    for sku, units in report.drift.items():
        line += f"\n  {sku}: {units} unit(s) the channel took are recorded as drift"
    if report.abandoned:
        line += (
            f"\n  abandoned {', '.join(report.abandoned[:10])}: refused whole too often; read "
            f"again and re-planned next sync (`syncbot channels listings {report.channel} "
            "--state abandoned`)"
        )
    if report.error:
        line += f"\n  stopped by: {report.error} (the next sync resends what was not confirmed)"
    return line


def drift_command(
    channel: ChannelName = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show listings without drift too.")
    ] = False,
) -> None:
    """Read every listing's level from the channel and show how far it is from the plan."""

    async def work(chosen: list[SyncChannel], settings: Settings) -> list[DriftReport]:
        reports = []
        for each in chosen:

            def progress(done: int, total: int, name: str = each.name) -> None:
                typer.echo(f"  {name}: {done}/{total} levels read", err=True)

            reports.append(await check_drift(each, progress=progress))
        return reports

    for report in run_with_sync_channels(channel, work):
        lines = report.lines if show_all else report.drifting
        table = Table(
            title=f"{report.channel}: {len(report.drifting)} of {len(report.lines)} listings "
            f"drift by {report.units} units",
            title_justify="left",
        )
        for column in ("sku", "channel", "planned", "drift", "planned because"):
            table.add_column(
                column, justify="left" if column in {"sku", "planned because"} else "right"
            )
        for line in lines:
            table.add_row(
                line.sku,
                str(line.channel_quantity),
                str(line.planned),
                f"{line.drift:+d}",
                line.explanation,
            )
        cli_tables.console().print(table)


def worker_command() -> None:
    """Run the scheduler without the web service (pushes, sweeps, catch-up, drift checks)."""
    settings, channels = load()
    configure_logging(settings.log_level)
    try:
        run(_work(settings, channels))
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)


async def _work(settings: Settings, channels: ChannelsFile) -> None:
    await require_schema(settings.database_url)  # only `migrate` and `serve` migrate
    await open_database(settings.database_url)
    try:
        await declare_locations(channels.locations)
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)) as http:
            try:
                connectors = build_connectors(channels, os.environ, http)
                slack = slack_settings(settings, channels)
            except ConfigError as error:
                raise fail(str(error)) from error
            # The leader posts Slack alerts too; commands are answered by `serve` or `slack`.
            also = alert_jobs(slack, settings.alert_poll_seconds) if slack else []
            scheduler = SyncScheduler(sync_channels(channels, connectors), settings, also=also)
            leadership = Leadership(
                settings.database_url, retry_seconds=settings.leader_retry_seconds
            )
            await leadership.run(scheduler.lead)
    except asyncio.CancelledError:
        pass
    finally:
        await close_database()


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
    rows = run_with_database(lambda: listing_states(name, which))
    if not rows:
        typer.echo(f"{name}: no listings" + ("" if which is ListingFilter.ALL else f" {which}"))
        return
    table = Table(title=f"{name}: listings ({which})", title_justify="left")
    for column in ("sku", "channel", "last pushed", "pushed at", "drift", "state"):
        table.add_column(column)
    for row in rows:
        state_text = {
            "quarantined": f"quarantined: {row.quarantined_error}",
            "abandoned": f"abandoned: {row.abandoned_error} (read again and re-planned)",
            "held": f"held since {_time(row.held_since)}",
        }.get(listing_state(row), "")
        table.add_row(
            row.sku,
            _quantity(row.channel_quantity),
            _quantity(row.pushed_quantity),
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
    count = run_with_database(lambda: store.release(name, None if every else skus))
    typer.echo(f"{name}: {count} listing(s) released; the next sync pushes them")


def _quantity(quantity: int | None) -> str:
    return "?" if quantity is None else str(quantity)


def _time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")
