"""`syncbot stocktake ...`: count many SKUs at once, judged at the moment each was counted.

The command line is the local operator: it approves as a manager, like its other writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from syncbot import bootstrap
from syncbot.app import stocktakes
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, load, run, run_with_database
from syncbot.cli.options import Key, refused_input
from syncbot.cli.stocktake_tables import review_csv, review_table, sessions_table
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.stocktake import (
    check_area,
    check_count,
    check_key,
    check_name,
    parse_uncounted,
)

T = TypeVar("T")
MAX_FILE_BYTES = 10_000_000
SHOW_PROGRESS_FROM = 2_000  # a start over this many SKUs reports its progress on stderr
# Lets a negative QTY through as a number, to be refused with the stock-take's message.
COUNTING: dict[str, Any] = {"ignore_unknown_options": True}

stocktake_app = typer.Typer(
    help="Stock-takes: start a session, count, review, approve, post or cancel.",
    no_args_is_help=True,
)

Session = Annotated[str, typer.Argument(metavar="SESSION", help="The session's id or name.")]


def _with_currency(work: Callable[[str], Awaitable[T]]) -> T:
    """Runs `work(currency)` against the migrated database; failures exit in one line."""
    settings, channels = load()

    async def main() -> T:
        async with bootstrap.database(settings, channels):
            return await work(settings.currency)

    return run(main())


def _skus_in(path: Path) -> list[str]:
    """One SKU per line (the first comma-separated field); blank lines and #s are skipped."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise fail(f"{path} is over {MAX_FILE_BYTES:,} bytes: split it")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {path}: {error}") from error
    rows = (line.split(",")[0].strip() for line in text.splitlines())
    skus = [sku for sku in rows if sku and not sku.startswith("#")]
    if not skus:
        raise fail(f"{path} names no SKU: one SKU per line")
    return skus


def _progress(done: int, total: int) -> None:
    if total >= SHOW_PROGRESS_FROM:
        typer.echo(f"snapshot {done:,} of {total:,} SKUs...", err=True)


@stocktake_app.command("start")
def start_command(
    location: Annotated[str, typer.Option(help="The location counted.")] = DEFAULT_LOCATION,
    skus: Annotated[
        str | None,
        typer.Option("--skus", metavar="PATTERN", help="SKUs matching a glob, e.g. 'MUG-*'."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A file of SKUs (or barcodes), one per line.")
    ] = None,
    blind: Annotated[bool, typer.Option("--blind", help="Counters never see expected.")] = False,
    name: Annotated[str | None, typer.Option(help="A name to use instead of the id.")] = None,
    approve_over_units: Annotated[
        int | None, typer.Option(min=0, help="A variance over this many units needs a manager.")
    ] = None,
    approve_over_percent: Annotated[
        str | None, typer.Option(metavar="P", help="Over this percent of expected, too.")
    ] = None,
    approve_over_value: Annotated[
        str | None, typer.Option(metavar="V", help="Over this value (at average cost), too.")
    ] = None,
) -> None:
    """Open a session: snapshot the on-hand of every SKU in scope (all SKUs by default)."""
    if skus is not None and file is not None:
        raise fail("give --skus or --file, not both")
    with refused_input():
        limits = stocktakes.thresholds(approve_over_units, approve_over_percent, approve_over_value)
        checked_name = None if name is None else check_name(name)
    named = None if file is None else _skus_in(file)
    actor = Actor.cli()
    session = run_with_database(
        lambda: stocktakes.start(
            actor,
            location=location,
            pattern=skus,
            skus=named,
            blind=blind,
            name=checked_name,
            limits=limits,
            progress=_progress,
        )
    )
    typer.echo(
        f"stock-take {session.id}{f' ({session.name})' if session.name else ''} started at "
        f"{session.location}: {session.lines} SKUs to count"
    )


@stocktake_app.command("count", context_settings=COUNTING)
def count_command(
    session: Session,
    sku: Annotated[
        str, typer.Argument(metavar="SKU|BARCODE", help="The SKU counted, or a barcode of it.")
    ],
    quantity: Annotated[int, typer.Argument(metavar="QTY", help="Units counted (0 or more).")],
    area: Annotated[str, typer.Option(help="Where: summed with other areas' counts.")] = "",
    add: Annotated[bool, typer.Option("--add", help="Add QTY to your count there.")] = False,
    key: Key = None,
) -> None:
    """Record a count; your count in that area replaces your last one (or --add to it)."""
    mode = "add" if add else "set"
    with refused_input():
        check_count(quantity, mode)
        check_area(area)
        if key is not None:
            check_key(key)
    actor = Actor.cli()
    counted = run_with_database(
        lambda: stocktakes.count(session, sku, quantity, actor, area=area, key=key, mode=mode)
    )
    line = counted.line
    said = "recorded" if counted.applied else "that key was already used: the first count stands"
    expected = "" if line.expected is None else f", expected {line.expected}"
    typer.echo(f"{said}: {line.sku} counted {line.counted}{expected}")


@stocktake_app.command("review")
def review_command(
    session: Session,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead.")] = False,
) -> None:
    """Each line: expected at its count, counted, variance, percent, value, approval."""

    async def work(currency: str) -> None:
        view = await stocktakes.review(session)
        if as_csv:
            typer.echo(review_csv(view, currency), nl=False)
        else:
            cli_tables.console().print(review_table(view, currency))

    _with_currency(work)


@stocktake_app.command("approve")
def approve_command(
    session: Session,
    sku: Annotated[str | None, typer.Argument(metavar="[SKU|BARCODE]", help="The line.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every line over a threshold.")] = False,
) -> None:
    """Approve a line's variance (or --all over a threshold), as a manager."""
    if (sku is None) == (not every):
        raise fail("name one SKU or --all")
    actor = Actor.cli()
    approved = run_with_database(lambda: stocktakes.approve(session, sku, actor, Role.MANAGER))
    typer.echo(
        f"approved {', '.join(approved.skus)}" if approved.skus else "nothing needed approval"
    )


@stocktake_app.command("post")
def post_command(
    session: Session,
    uncounted: Annotated[
        str, typer.Option(help="Uncounted lines: leave them, or set them to zero.")
    ] = "leave",
) -> None:
    """Post every variance once as count movements and close the session."""
    with refused_input():
        parse_uncounted(uncounted)
    actor = Actor.cli()
    posted = run_with_database(lambda: stocktakes.post(session, actor, uncounted=uncounted))
    if not posted.applied:
        typer.echo(f"stock-take {posted.session} was already posted: nothing new recorded")
    else:
        typer.echo(f"stock-take {posted.session} posted: {posted.movements} count movements")


@stocktake_app.command("cancel")
def cancel_command(session: Session) -> None:
    """Close a session without touching any balance."""
    actor = Actor.cli()
    cancelled = run_with_database(lambda: stocktakes.cancel(session, actor))
    typer.echo(f"stock-take {cancelled.session} cancelled")


@stocktake_app.command("list")
def list_command(
    only_open: Annotated[bool, typer.Option("--open", help="Only open sessions.")] = False,
) -> None:
    """Every session, newest first, with how many lines are counted."""
    rows = run_with_database(lambda: stocktakes.sessions(open_only=only_open))
    if not rows:
        typer.echo("no stock-takes: start one with `syncbot stocktake start`")
        return
    cli_tables.console().print(sessions_table(rows))
