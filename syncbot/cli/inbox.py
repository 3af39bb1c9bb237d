"""`syncbot inbox ...`: deliveries not applied, why, and what a person can do about them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from syncbot.app import inbox
from syncbot.app.actor import Actor
from syncbot.app.inbox import InboxEntry, InboxRefusal
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database

inbox_app = typer.Typer(
    help="Webhook deliveries not applied: see why, retry them, or skip one.",
    no_args_is_help=True,
)


def state_text(entry: InboxEntry) -> str:
    if entry.status == inbox.SKIPPED:
        return f"skipped by {entry.closed_by}"
    return entry.status


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


@inbox_app.command("list")
def inbox_list(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 100,
) -> None:
    """Deliveries not applied, oldest first: state, readable error, tries, next attempt."""
    entries = run_with_database(lambda: inbox.unfinished(limit))
    if not entries:
        typer.echo("every delivery is processed")
        return
    table = Table(title="deliveries not applied", title_justify="left")
    columns = ("id", "channel", "topic", "state", "tries", "next attempt", "error")
    for column in columns:
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(
            str(entry.id),
            entry.channel,
            entry.topic,
            state_text(entry),
            f"{entry.attempts}/{entry.max_attempts}",
            _when(entry.next_attempt_at) or ("now" if entry.status == inbox.PENDING else ""),
            entry.error or "",
        )
    cli_tables.console().print(table)


@inbox_app.command("retry")
def inbox_retry(
    ids: Annotated[
        list[int] | None,
        typer.Argument(metavar="[ID]...", help="Deliveries to retry (default all not applied)."),
    ] = None,
) -> None:
    """Reopen deliveries not applied, their tries back and due now; the service takes them."""
    count = run_with_database(lambda: inbox.retry(ids or None))
    typer.echo(f"{count} deliveries will be retried by the running service")


@inbox_app.command("skip")
def inbox_skip(
    delivery_id: Annotated[int, typer.Argument(metavar="ID", help="The delivery's id.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it is closed by hand: kept on the delivery.")
    ],
) -> None:
    """Close one delivery by hand, recording who and why; it is never retried."""
    who = Actor.cli()
    try:
        run_with_database(lambda: inbox.skip(delivery_id, who, reason))
    except InboxRefusal as refusal:
        raise fail(str(refusal), code=1) from refusal
    typer.echo(f"delivery {delivery_id} skipped by {who}: {reason.strip()}")
