"""`syncbot sync`, `drift` and `worker`: pushing to channels."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from syncbot import bootstrap
from syncbot.app.syncing import DryRun
from syncbot.cli import tables as cli_tables
from syncbot.cli.channels import require_channel
from syncbot.cli.common import fail, load, run, run_with_database
from syncbot.config import Settings
from syncbot.logs import configure_logging
from syncbot.runtime import memory
from syncbot.sync.channels import SyncChannel
from syncbot.sync.drift import DriftReport, check_drift
from syncbot.sync.pusher import SyncReport

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
        async with bootstrap.channel_http() as http:
            every = bootstrap.build_sync_channels(channels, http)
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
        syncs = bootstrap.channel_syncs(settings, {each.name: each for each in chosen})
        for each in chosen:
            if dry_run:

                def progress(done: int, total: int, name: str = each.name) -> None:
                    typer.echo(f"  {name}: {done}/{total} levels read", err=True)

                preview = await syncs.dry_run(each.name, progress)
                if preview.lines:
                    cli_tables.console().print(_plan_table(preview))
                else:
                    typer.echo(f"{each.name}: no listings: run `syncbot channels discover` first")
                if preview.unlisted:
                    typer.echo(_unlisted_line(each.name, preview.unlisted))
            else:
                typer.echo(f"{each.name}: syncing…", err=True)
                typer.echo(_summary(await syncs.sync(each.name)))

    run_with_sync_channels(channel, work)


def _unlisted_line(channel: str, skus: list[str]) -> str:
    shown = ", ".join(skus[:20]) + (f" and {len(skus) - 20} more" if len(skus) > 20 else "")
    return (
        f"{channel}: {len(skus)} SKU(s) have no listing and are not pushed there: {shown} "
        f"(list them on the channel, then `syncbot channels discover {channel}`)"
    )


def _plan_table(preview: DryRun) -> Table:
    table = Table(title=f"{preview.channel}: dry run, nothing pushed", title_justify="left")
    for column in ("sku", "channel", "planned", "action", "why"):
        table.add_column(column, justify="right" if column in {"channel", "planned"} else "left")
    for line in preview.lines:
        table.add_row(
            line.sku, _quantity(line.channel_now), str(line.will_send), line.action, line.why
        )
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
    """Run the scheduler (pushes, sweeps, catch-up, drift checks) and the webhook intake
    without the web service."""
    settings, channels = load()
    configure_logging(settings.log_level)
    memory.tune_after_start()  # its code is imported: the rest it makes is short-lived
    try:
        run(bootstrap.run_worker(settings, channels))
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)


def _quantity(quantity: int | None) -> str:
    return "?" if quantity is None else str(quantity)
