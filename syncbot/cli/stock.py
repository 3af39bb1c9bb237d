"""The syncbot command line: the composition root for the service and the operator commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import httpx
import typer

from connectors.registry import build_connectors
from syncbot.cli import slack as cli_slack
from syncbot.cli import sync as cli_sync
from syncbot.cli import tables as cli_tables
from syncbot.cli.channels import channels_app, parked
from syncbot.cli.common import OneLineErrors, actor, fail, load, run, run_with_database
from syncbot.cli.inbox import inbox_app
from syncbot.config import ConfigError
from syncbot.ledger import (
    DEFAULT_LOCATION,
    Bucket,
    Count,
    Entry,
    InvalidMovement,
    Quantities,
    adjust,
    damage,
    receive,
)
from syncbot.ledger.limits import MAX_BIGINT, MAX_NAME_LENGTH, MAX_SKU_LENGTH, text_problem
from syncbot.logs import configure_logging
from syncbot.store import catalogue, models
from syncbot.store.corrections import reverse_movement
from syncbot.store.database import close_database, declare_locations, migrate, open_database
from syncbot.store.orders import apply_parked
from syncbot.store.posting import PostingResult, Provenance, post
from syncbot.store.preflight import check_usable
from syncbot.store.stock import MAX_HISTORY, StockReport, history, stock, totals
from syncbot.store.verify import verify

app = typer.Typer(
    cls=OneLineErrors,
    help="syncbot: a perpetual inventory ledger that keeps every storefront in step.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations, then exit."""
    settings, channels = load()

    async def main() -> None:
        await check_usable(settings.database_url)
        await migrate(settings.database_url, progress=typer.echo)
        await open_database(settings.database_url)
        try:
            await declare_locations(channels.locations)
        finally:
            await close_database()

    run(main())
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port to listen on.")] = 8000,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Also run the sync scheduler (one process runs it, elected on PostgreSQL).",
        ),
    ] = True,
) -> None:
    """Run the web service and the sync scheduler; pending migrations are applied first."""
    from syncbot.cli.serve import serve_app
    from syncbot.web.app import create_app

    settings, channels = load()
    if not scheduler:
        settings = settings.model_copy(update={"scheduler": False})
    http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
    try:
        connectors = build_connectors(channels, os.environ, http)
        app = create_app(settings, channels, connectors, http)
    except ConfigError as error:
        raise fail(str(error)) from error
    configure_logging(settings.log_level)
    serve_app(app, host, port, settings.database_url)


@contextmanager
def refused_input() -> Iterator[None]:
    """Malformed input exits 2 with the ledger's one-line reason, before the database opens."""
    try:
        yield
    except InvalidMovement as error:
        raise fail(str(error)) from error


def _fits_the_store(sku: str) -> str:
    """A SKU longer than the store holds is a usage error that quotes 80 characters of it."""
    if (problem := text_problem(sku, "SKU", MAX_SKU_LENGTH)) is not None:
        raise typer.BadParameter(problem)
    return sku


SkuCode = Annotated[
    str,
    typer.Argument(
        metavar="SKU", help="The SKU code.", show_default=False, callback=_fits_the_store
    ),
]
Location = Annotated[str, typer.Option(help="Location the stock is at.")]
Reason = Annotated[str, typer.Option(help="Why: kept on the movement and shown in history.")]
Force = Annotated[
    bool, typer.Option("--force", help="Record it even if it takes a real bucket below zero.")
]
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Idempotency key: posting the same key again records nothing.",
        show_default=False,
    ),
]
ReorderPoint = Annotated[
    int | None,
    typer.Option(
        max=MAX_BIGINT,
        help="Alert when available over all locations falls to this.",
        show_default=False,
    ),
]
RealBucket = Literal["available", "committed", "damaged", "incoming"]
# Lets a negative QTY ("adjust MUG-1 -3") through as a number instead of an unknown option.
POSTING: dict[str, Any] = {"ignore_unknown_options": True}
PROGRESS_EVERY = 10_000
# Like the API's "api:": a key typed here can never claim the key of a storefront order.
KEY_PREFIX = "cli:"

sku_app = typer.Typer(help="Add, list and change the SKUs in the catalogue.", no_args_is_help=True)
app.add_typer(sku_app, name="sku")
app.add_typer(channels_app, name="channels")
app.add_typer(inbox_app, name="inbox")
app.command("parked")(parked)
app.command("sync")(cli_sync.sync_command)
app.command("drift")(cli_sync.drift_command)
app.command("worker")(cli_sync.worker_command)
app.command("slack")(cli_slack.slack_command)


@sku_app.command("add")
def sku_add(
    code: SkuCode,
    name: Annotated[str, typer.Option(help="What people call it.")] = "",
    reorder_point: ReorderPoint = None,
) -> None:
    """Add a SKU to the catalogue, so that stock can be recorded for it."""
    with refused_input():
        catalogue.check_sku_code(code)
        catalogue.check_reorder_point(reorder_point)
    if (problem := text_problem(name, "--name", MAX_NAME_LENGTH)) is not None:
        raise fail(problem)

    async def work() -> tuple[models.Sku, int]:
        sku = await catalogue.add_sku(code, name, reorder_point)
        return sku, await apply_parked(code)

    sku, orders = run_with_database(work)
    typer.echo(f"added SKU {sku.code}" + (f" ({sku.name})" if sku.name else ""))
    if orders:
        typer.echo(f"applied its parked order lines: stock moved for {orders} order(s)")


@sku_app.command("list")
def sku_list() -> None:
    """List the catalogue: code, name, reorder point, on_hand and available."""

    async def work() -> tuple[list[models.Sku], dict[str, Quantities]]:
        return await catalogue.list_skus(), await totals()

    skus, quantities = run_with_database(work)
    if not skus:
        typer.echo("no SKUs yet: add one with `syncbot sku add CODE`")
        return
    cli_tables.console().print(cli_tables.sku_table(skus, quantities))


@sku_app.command("set")
def sku_set(
    code: SkuCode,
    reorder_point: ReorderPoint = None,
    clear_reorder_point: Annotated[
        bool,
        typer.Option(
            "--clear-reorder-point", help="Remove the reorder point: no more low-stock alerts."
        ),
    ] = False,
) -> None:
    """Change a SKU's reorder point, or remove it."""
    if (reorder_point is not None) == clear_reorder_point:
        raise fail("give either --reorder-point N or --clear-reorder-point")
    with refused_input():
        catalogue.check_reorder_point(reorder_point)
    run_with_database(lambda: catalogue.set_reorder_point(code, reorder_point))
    typer.echo(f"{code}: reorder point {'removed' if reorder_point is None else reorder_point}")


@app.command("stock")
def stock_command(sku: SkuCode) -> None:
    """Show a SKU's quantities at every location, and the total."""
    report = run_with_database(lambda: stock(sku))
    cli_tables.console().print(cli_tables.stock_table(report))


def _actor() -> str:
    return actor()


def _recorded(result: PostingResult) -> str:
    return "recorded " + "; ".join(cli_tables.describe(m) for m in result.movements)


def _warn(result: PostingResult) -> None:
    """Oversells and reorder points crossed, in yellow on stderr."""
    for event in result.events:
        if (line := cli_tables.warning(event)) is not None:
            typer.secho(line, err=True, fg=typer.colors.YELLOW)


def _record(
    entry: Entry,
    location: str,
    key: str | None,
    summary: Callable[[PostingResult], str] = _recorded,
) -> None:
    """Posts one entry as this CLI user, then shows what was recorded and the stock now."""
    if key is not None and not key.strip():
        raise fail("an idempotency key must not be empty")
    provenance = Provenance(actor=_actor())

    async def work() -> tuple[PostingResult, StockReport]:
        result = await post(
            [entry], idempotency_key=key, key_namespace=KEY_PREFIX, provenance=provenance
        )
        return result, await stock(entry.sku)

    result, report = run_with_database(work)
    typer.echo(
        summary(result)
        if result.applied
        else f"key {key!r} was already applied: nothing new recorded"
    )
    _warn(result)
    cli_tables.console().print(cli_tables.location_table(report, location))


@app.command("receive", context_settings=POSTING)
def receive_command(
    sku: SkuCode,
    quantity: Annotated[int, typer.Argument(metavar="QTY", help="Units received (positive).")],
    location: Location = DEFAULT_LOCATION,
    reason: Reason = "",
    key: Key = None,
) -> None:
    """Record a receipt: QTY units come from the supplier into available."""
    with refused_input():
        entry = receive(sku, quantity, location, reason)
    _record(entry, location, key)


@app.command("damage", context_settings=POSTING)
def damage_command(
    sku: SkuCode,
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


@app.command("count", context_settings=POSTING)
def count_command(
    sku: SkuCode,
    counted: Annotated[int, typer.Argument(metavar="QTY", help="The on_hand you counted.")],
    location: Location = DEFAULT_LOCATION,
    reason: Reason = "cycle count",
    key: Key = None,
) -> None:
    """Record a cycle count: QTY is the on_hand counted, and the difference is posted."""
    with refused_input():
        entry = Count(sku, counted, location, reason)

    def summary(result: PostingResult) -> str:
        return cli_tables.describe_count(counted, next(iter(result.movements), None))

    _record(entry, location, key, summary)


@app.command("adjust", context_settings=POSTING)
def adjust_command(
    sku: SkuCode,
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


@app.command("reverse")
def reverse_command(
    movement_id: Annotated[int, typer.Argument(metavar="MOVEMENT_ID", help="From `history`.")],
    force: Force = False,
) -> None:
    """Undo a movement by posting its reversal; a movement is reversed at most once."""
    provenance = Provenance(actor=_actor())
    result = run_with_database(lambda: reverse_movement(movement_id, provenance, force=force))
    if not result.applied:
        typer.echo(f"movement {movement_id} was already reversed: nothing new recorded")
        return
    typer.echo(_recorded(result))
    _warn(result)


@app.command("history")
def history_command(
    sku: SkuCode,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_HISTORY, help="How many movements to show.")
    ] = 50,
) -> None:
    """Show a SKU's movements, newest first."""
    rows = run_with_database(lambda: history(sku, limit))
    if not rows:
        typer.echo(f"no movements recorded for {sku}")
        return
    cli_tables.console().print(cli_tables.history_table(sku, rows))


@app.command("verify")
def verify_command() -> None:
    """Replay the ledger: prove every balance equals the replay and every SKU sums to zero.

    Exits 1 and names each mismatch when they differ.
    """

    def progress(movements: int) -> None:
        if movements >= PROGRESS_EVERY:
            typer.echo(f"replayed {movements:,} movements...", err=True)

    report = run_with_database(lambda: verify(progress))
    typer.echo(f"replayed {report.movements:,} movements against {report.balances:,} balances")
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


def main() -> None:
    app()
