"""`syncbot po ...`: purchase orders, from a draft to ordered, received and closed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from syncbot.app import purchasing
from syncbot.app.actor import Actor
from syncbot.app.purchasing_import import import_orders
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database
from syncbot.cli.options import Force, Key, Location, SkuOrBarcode, refused_input
from syncbot.cli.purchasing_tables import order_table, orders_table
from syncbot.ledger import DEFAULT_LOCATION
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.movements import check_quantity
from syncbot.ledger.purchasing import check_note, check_number, parse_date

# Lets a negative QTY through as a number, to be refused with the ledger's message.
POSTING: dict[str, Any] = {"ignore_unknown_options": True}
MAX_IMPORT_BYTES = 10_000_000

po_app = typer.Typer(
    help="Purchase orders: create, add lines, order, receive, cancel and close.",
    no_args_is_help=True,
)

Number = Annotated[str, typer.Argument(metavar="PO", help="The order's number, e.g. PO-0001.")]
Quantity = Annotated[int, typer.Argument(metavar="QTY", help="Units (positive).")]
Cost = Annotated[
    str | None, typer.Option("--cost", help="Unit cost, e.g. 4.50.", show_default=False)
]


def _cost(text: str | None) -> Decimal | None:
    with refused_input():
        return None if text is None else parse_cost(text)


def _quantity(quantity: int) -> int:
    with refused_input():
        return check_quantity(quantity)


def _show(
    work: Callable[[], Awaitable[purchasing.PurchaseResult | purchasing.OrderView]], done: str
) -> None:
    """Runs the change, says what it did, then shows the order as it is now."""
    result = run_with_database(work)
    order = result if isinstance(result, purchasing.OrderView) else result.order
    if isinstance(result, purchasing.PurchaseResult) and not result.applied:
        done = "that receipt key was already applied: nothing new recorded"
    typer.echo(done)
    cli_tables.console().print(order_table(order))


@po_app.command("create")
def po_create(
    supplier: Annotated[str, typer.Option(help="The supplier's name.", show_default=False)],
    location: Location = DEFAULT_LOCATION,
    expected: Annotated[
        str | None, typer.Option(help="Expected date, YYYY-MM-DD.", show_default=False)
    ] = None,
    number: Annotated[
        str | None, typer.Option(help="Its number (default: the next PO-0001).", show_default=False)
    ] = None,
    note: Annotated[str, typer.Option(help="A note kept with the order.")] = "",
) -> None:
    """Create a draft purchase order; add lines with `po add`, then `po order` it."""
    with refused_input():
        expected_on: date | None = None if expected is None else parse_date(expected)
        given = None if number is None else check_number(number)
        check_note(note)
    actor = Actor.cli()
    order = run_with_database(
        lambda: purchasing.create_order(
            supplier, actor, location=location, number=given, expected_on=expected_on, note=note
        )
    )
    typer.echo(f"created purchase order {order.number} (draft)")


@po_app.command("add", context_settings=POSTING)
def po_add(number: Number, sku: SkuOrBarcode, quantity: Quantity, cost: Cost = None) -> None:
    """Add a line: QTY units of SKU at --cost (default: the supplier's last cost)."""
    unit_cost, quantity, actor = _cost(cost), _quantity(quantity), Actor.cli()
    _show(
        lambda: purchasing.add_line(number, sku, quantity, actor, unit_cost),
        f"added {quantity} × {sku} to {number}",
    )


@po_app.command("edit", context_settings=POSTING)
def po_edit(
    number: Number,
    sku: SkuOrBarcode,
    quantity: Annotated[
        int | None, typer.Argument(metavar="[QTY]", help="The line's new quantity.")
    ] = None,
    cost: Cost = None,
) -> None:
    """Change a line's quantity or cost; on an ordered line incoming moves by the difference."""
    if quantity is None and cost is None:
        raise fail("nothing to change: give a new QTY, --cost, or both")
    unit_cost = _cost(cost)
    quantity = None if quantity is None else _quantity(quantity)
    actor = Actor.cli()
    _show(
        lambda: purchasing.edit_line(number, sku, actor, quantity=quantity, unit_cost=unit_cost),
        f"changed {sku} on {number}",
    )


@po_app.command("remove")
def po_remove(number: Number, sku: SkuOrBarcode) -> None:
    """Remove a line from a draft (an ordered line is cancelled with `po cancel PO SKU`)."""
    _show(lambda: purchasing.remove_line(number, sku), f"removed {sku} from {number}")


@po_app.command("order")
def po_order(number: Number) -> None:
    """Place a draft: every line's units move from the supplier to incoming."""
    actor = Actor.cli()
    _show(lambda: purchasing.place_order(number, actor), f"ordered {number}")


@po_app.command("receive", context_settings=POSTING)
def po_receive(
    number: Number,
    sku: Annotated[
        str | None, typer.Argument(metavar="[SKU]", help="The line's SKU, or one of its barcodes.")
    ] = None,
    quantity: Annotated[int | None, typer.Argument(metavar="[QTY]", help="Units received.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Receive every open line in full.")] = False,
    damaged: Annotated[int, typer.Option(min=0, help="Of the QTY, how many arrived damaged.")] = 0,
    cost: Cost = None,
    key: Key = None,
    force: Force = False,
) -> None:
    """Receive QTY of a line into available (--damaged N of them into damaged), or --all."""
    if key is not None and not key.strip():
        raise fail("a receipt key must not be empty")
    actor = Actor.cli()
    if every:
        if sku is not None or quantity is not None or damaged or cost is not None or force:
            raise fail("--all receives every open line at its cost: give no SKU, QTY or options")
        _show(lambda: purchasing.receive_all(number, actor, key=key), f"received {number}")
        return
    if sku is None or quantity is None:
        raise fail("give SKU and QTY, or --all")
    unit_cost, quantity = _cost(cost), _quantity(quantity)
    _show(
        lambda: purchasing.receive_line(
            number,
            sku,
            quantity,
            actor,
            damaged=damaged,
            unit_cost=unit_cost,
            key=key,
            force=force,
        ),
        f"received {quantity} × {sku} on {number}" + (f", {damaged} damaged" if damaged else ""),
    )


@po_app.command("cancel")
def po_cancel(
    number: Number,
    sku: Annotated[
        str | None, typer.Argument(metavar="[SKU]", help="Only this line's rest.")
    ] = None,
) -> None:
    """Cancel what is still expected of a line, or of the whole order."""
    actor = Actor.cli()
    what = f"the rest of {sku} on {number}" if sku else number
    _show(lambda: purchasing.cancel(number, actor, sku), f"cancelled {what}")


@po_app.command("close")
def po_close(number: Number) -> None:
    """Close a received or cancelled order."""
    _show(lambda: purchasing.close(number), f"closed {number}")


@po_app.command("show")
def po_show(number: Number) -> None:
    """Show an order and its lines."""
    order = run_with_database(lambda: purchasing.purchase_order(number))
    cli_tables.console().print(order_table(order))


@po_app.command("list")
def po_list(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only draft, ordered and partially received orders.")
    ] = False,
) -> None:
    """List purchase orders, newest first."""
    orders = run_with_database(lambda: purchasing.purchase_orders(open_only=open_only))
    if not orders:
        typer.echo("no purchase orders" + (" open" if open_only else " yet"))
        return
    cli_tables.console().print(orders_table(orders))


@po_app.command("import")
def po_import(
    path: Annotated[
        Path, typer.Argument(metavar="FILE.csv", help="po,supplier,location,expected,sku,...")
    ],
) -> None:
    """Import draft orders' lines from a CSV file: every row is checked, then all or nothing.

    Columns: po, sku, quantity (required), supplier (for a new order), location,
    expected (YYYY-MM-DD), unit_cost. See docs/purchasing.md.
    """
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise fail(f"{path} is over {MAX_IMPORT_BYTES:,} bytes: split it")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read {path}: {error}") from error
    actor = Actor.cli()
    orders = run_with_database(lambda: import_orders(text, actor))
    lines = sum(len(order.lines) for order in orders)
    typer.echo(f"imported {len(orders)} order(s) as drafts, {lines} line(s) in all")
    for order in orders:
        cli_tables.console().print(order_table(order))
