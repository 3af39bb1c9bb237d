"""`syncbot sku add|list|set`: the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from syncbot.app import barcodes, catalogue
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database
from syncbot.cli.options import ReorderPoint, SkuCode, refused_input
from syncbot.ledger.limits import MAX_NAME_LENGTH, text_problem

sku_app = typer.Typer(help="Add, list and change the SKUs in the catalogue.", no_args_is_help=True)


@sku_app.command("add")
def sku_add(
    code: SkuCode,
    name: Annotated[str, typer.Option(help="What people call it.")] = "",
    reorder_point: ReorderPoint = None,
) -> None:
    """Add a SKU to the catalogue, so that stock can be recorded for it."""
    with refused_input():
        catalogue.check_new_sku(code, reorder_point)
    if (problem := text_problem(name, "--name", MAX_NAME_LENGTH)) is not None:
        raise fail(problem)

    added = run_with_database(lambda: catalogue.add_sku(code, name, reorder_point))
    sku = added.sku
    typer.echo(f"added SKU {sku.code}" + (f" ({sku.name})" if sku.name else ""))
    if added.orders:
        typer.echo(f"applied its parked order lines: stock moved for {added.orders} order(s)")


@sku_app.command("list")
def sku_list() -> None:
    """List the catalogue: code, name, reorder point, on_hand and available."""
    skus = run_with_database(catalogue.list_skus)
    if not skus:
        typer.echo("no SKUs yet: add one with `syncbot sku add CODE`")
        return
    cli_tables.console().print(cli_tables.sku_table(skus))


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
        catalogue.check_new_sku(code, reorder_point)
    run_with_database(lambda: catalogue.set_reorder_point(code, reorder_point))
    typer.echo(f"{code}: reorder point {'removed' if reorder_point is None else reorder_point}")


barcode_app = typer.Typer(
    help="Give barcodes to SKUs, take them off, list them.", no_args_is_help=True
)
sku_app.add_typer(barcode_app, name="barcode")

Barcode = Annotated[str, typer.Argument(help="1 to 64 printable characters, no spaces.")]


@barcode_app.command("add")
def barcode_add(code: SkuCode, barcode: Barcode) -> None:
    """Give BARCODE to the SKU. A barcode names one SKU: one held by another is refused.
    8, 12, 13 or 14 digits are a GTIN (EAN/UPC) and need a right check digit."""
    with refused_input():
        barcodes.check_new_barcode(barcode)
    added = run_with_database(lambda: barcodes.add(code, barcode))
    typer.echo(f"barcode {barcode} ({added.kind}) now names SKU {code}")


@barcode_app.command("remove")
def barcode_remove(barcode: Barcode) -> None:
    """Take BARCODE off the SKU it names."""
    with refused_input():
        barcodes.check_barcode(barcode)
    removed = run_with_database(lambda: barcodes.remove(barcode))
    typer.echo(f"barcode {barcode} removed from SKU {removed.sku}")


@barcode_app.command("list")
def barcode_list(
    code: Annotated[str | None, typer.Argument(help="Only this SKU's barcodes.")] = None,
) -> None:
    """List barcodes, the SKU each names and its kind (gtin or internal): every one, or
    one SKU's."""
    found = run_with_database(lambda: barcodes.listed(code))
    if not found:
        typer.echo("no barcodes yet: add one with `syncbot sku barcode add SKU BARCODE`")
        return
    for row in found:
        typer.echo(f"{row.barcode}\t{row.sku}\t{row.kind}")
