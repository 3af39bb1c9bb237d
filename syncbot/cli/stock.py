"""Recording and reading stock: receive, damage, count, adjust, reverse, stock, history,
verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import typer

from syncbot.app import bundles, purchasing
from syncbot.app import stock as use_stock
from syncbot.app.actor import Actor
from syncbot.cli import purchasing_tables
from syncbot.cli import tables as cli_tables
from syncbot.cli.bundles import bundle_table
from syncbot.cli.common import fail, run_with_database
from syncbot.cli.options import Force, Key, Location, Reason, SkuOrBarcode, UnitCost, refused_input
from syncbot.ledger import DEFAULT_LOCATION, Bucket, Count, Entry, adjust, damage, receive

RealBucket = Literal["available", "committed", "damaged", "incoming"]
# Lets a negative QTY ("adjust MUG-1 -3") through as a number instead of an unknown option.
POSTING: dict[str, Any] = {"ignore_unknown_options": True}
PROGRESS_EVERY = 10_000

stock_app = typer.Typer()


@stock_app.command("stock")
def stock_command(sku: SkuOrBarcode) -> None:
    """Show a SKU's quantities at every location, and the total; then what is incoming on
    open purchase orders, with each order and its expected date. For a bundle: its
    availability per location and the component that limits it."""

    async def read() -> tuple[
        use_stock.StockReport, list[purchasing.IncomingLine], bundles.BundleStock | None
    ]:
        report = await use_stock.stock_card(sku)
        incoming = await purchasing.incoming_by_order(report.sku)
        return report, incoming, await bundles.stock_of(report.sku)

    report, incoming, bundle = run_with_database(read)
    out = cli_tables.console()
    if bundle is not None:  # a bundle holds no stock: its figures come from its components
        out.print(bundle_table(bundle))
        return
    out.print(cli_tables.stock_table(report))
    if incoming:
        out.print(purchasing_tables.incoming_table(incoming))


def _recorded(result: use_stock.Recorded) -> str:
    return "recorded " + "; ".join(cli_tables.describe(m) for m in result.movements)


def _warn(result: use_stock.Recorded) -> None:
    """Oversells and reorder points crossed, in yellow on stderr."""
    for event in result.events:
        if (line := cli_tables.warning(event)) is not None:
            typer.secho(line, err=True, fg=typer.colors.YELLOW)


def _record(
    entry: Entry,
    location: str,
    key: str | None,
    summary: Callable[[use_stock.Recorded], str] = _recorded,
) -> None:
    """Posts one entry as this CLI user, then shows what was recorded and the stock now."""
    if key is not None and not key.strip():
        raise fail("an idempotency key must not be empty")
    actor = Actor.cli()
    result = run_with_database(lambda: use_stock.record(entry, actor, key))
    typer.echo(
        summary(result)
        if result.applied
        else f"key {key!r} was already applied: nothing new recorded"
    )
    _warn(result)
    cli_tables.console().print(cli_tables.location_table(result.stock, location))


@stock_app.command("receive", context_settings=POSTING)
def receive_command(
    sku: SkuOrBarcode,
    quantity: Annotated[int, typer.Argument(metavar="QTY", help="Units received (positive).")],
    location: Location = DEFAULT_LOCATION,
    reason: Reason = "",
    key: Key = None,
    cost: UnitCost = None,
) -> None:
    """Record a receipt: QTY units come from the supplier into available, at --cost."""
    with refused_input():
        entry = receive(sku, quantity, location, reason, unit_cost=cost)
    _record(entry, location, key)


@stock_app.command("damage", context_settings=POSTING)
def damage_command(
    sku: SkuOrBarcode,
    quantity: Annotated[int, typer.Argument(metavar="QTY", help="Units damaged (positive).")],
    location: Location = DEFAULT_LOCATION,
    reason: Reason = "",
    force: Force = False,
    key: Key = None,
) -> None:
    """Record damage: QTY units move from available to damaged."""
    with refused_input():
        entry = damage(sku, quantity, location, reason, forced=force)
    _record(entry, location, key)


@stock_app.command("count", context_settings=POSTING)
def count_command(
    sku: SkuOrBarcode,
    counted: Annotated[int, typer.Argument(metavar="QTY", help="The on_hand you counted.")],
    location: Location = DEFAULT_LOCATION,
    reason: Reason = "cycle count",
    key: Key = None,
) -> None:
    """Record a cycle count: QTY is the on_hand counted, and the difference is posted."""
    with refused_input():
        entry = Count(sku, counted, location, reason)

    def summary(result: use_stock.Recorded) -> str:
        return cli_tables.describe_count(counted, next(iter(result.movements), None))

    _record(entry, location, key, summary)


@stock_app.command("adjust", context_settings=POSTING)
def adjust_command(
    sku: SkuOrBarcode,
    change: Annotated[int, typer.Argument(metavar="QTY", help="Signed change, e.g. 5 or -3.")],
    reason: Annotated[str, typer.Option(help="Why: required.", show_default=False)],
    location: Location = DEFAULT_LOCATION,
    bucket: Annotated[RealBucket, typer.Option(help="The real bucket to correct.")] = "available",
    force: Force = False,
    key: Key = None,
) -> None:
    """Correct one bucket by a signed QTY, with a reason (e.g. adjust MUG-1 -3 --reason lost)."""
    with refused_input():
        entry = adjust(sku, change, reason, location, Bucket(bucket), forced=force)
    _record(entry, location, key)


@stock_app.command("reverse")
def reverse_command(
    movement_id: Annotated[int, typer.Argument(metavar="MOVEMENT_ID", help="From `history`.")],
    force: Force = False,
) -> None:
    """Undo a movement by posting its reversal; a movement is reversed at most once."""
    actor = Actor.cli()
    result = run_with_database(lambda: use_stock.reverse(movement_id, actor, force=force))
    if not result.applied:
        typer.echo(f"movement {movement_id} was already reversed: nothing new recorded")
        return
    typer.echo(_recorded(result))
    _warn(result)


@stock_app.command("history")
def history_command(
    sku: SkuOrBarcode,
    limit: Annotated[
        int, typer.Option(min=1, max=use_stock.MAX_HISTORY, help="How many movements to show.")
    ] = 50,
) -> None:
    """Show a SKU's movements, newest first (SKU: its code or a barcode)."""
    rows = run_with_database(lambda: use_stock.history(sku, limit))
    if not rows:
        typer.echo(f"no movements recorded for {sku}")
        return
    cli_tables.console().print(cli_tables.history_table(rows[0].sku, rows))


@stock_app.command("verify")
def verify_command(
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Replay every movement, not only those since the last checkpoint."
        ),
    ] = False,
) -> None:
    """Replay the ledger: prove every balance equals the replay and every SKU sums to zero.

    Starts from the last clean run's checkpoint unless --full. Exits 1 and names each
    mismatch when they differ.
    """

    def progress(movements: int) -> None:
        if movements >= PROGRESS_EVERY:
            typer.echo(f"replayed {movements:,} movements...", err=True)

    report = run_with_database(lambda: use_stock.verify(progress, full=full))
    if report.stale_checkpoint is not None:
        typer.echo(
            f"the movements up to #{report.stale_checkpoint:,} changed since verify's "
            "checkpoint there: replaying every movement",
            err=True,
        )
    since = (
        f" after the checkpoint at movement #{report.resumed_after:,}"
        if report.resumed_after is not None
        else ""
    )
    typer.echo(
        f"replayed {report.movements:,} movements{since} against {report.balances:,} balances"
    )
    if report.mismatches:
        cli_tables.console().print(cli_tables.mismatch_table(report))
    for sku, total in report.unbalanced.items():
        typer.echo(f"{sku}: its buckets sum to {total:+d}, not to zero")
    if not report.ok:
        raise fail(
            f"verify failed: mismatched balances: {len(report.mismatches)}, "
            f"SKUs not summing to zero: {len(report.unbalanced)}",
            code=1,
        )
    typer.echo("ok: every balance equals the replay and every SKU sums to zero")
