"""`syncbot sku add|list|set`: the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from syncbot.app import catalogue
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
