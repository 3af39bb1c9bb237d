"""`syncbot bundle set|show|list|remove`: bundles and their recipes; and the bundle table
that `syncbot stock BUNDLE` shows."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from syncbot.app import bundles
from syncbot.app.actor import Actor
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import run_with_database
from syncbot.cli.options import refused_input
from syncbot.ledger.bundles import BundleStock
from syncbot.store.bundles import StoredRecipe

bundle_app = typer.Typer(
    help="Define bundles (a SKU sold as a set of other SKUs) and show their recipes.",
    no_args_is_help=True,
)

Bundle = Annotated[str, typer.Argument(metavar="BUNDLE", help="The bundle's SKU code.")]


def describe(stored: StoredRecipe) -> str:
    """`GIFT-1 = MUG-1:2 TEE-1:1 (version 2, changed 2026-12-01 09:00 UTC by cli:ana)`"""
    when = stored.changed_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{stored.recipe.bundle} = {stored.recipe} "
        f"(version {stored.version}, changed {when} by {stored.changed_by})"
    )


@bundle_app.command("set")
def bundle_set(
    bundle: Bundle,
    components: Annotated[
        list[str],
        typer.Argument(
            metavar="COMPONENT:QTY...", help="Each component SKU and its units per bundle."
        ),
    ],
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Add BUNDLE to the catalogue if it is not there yet (say, a storefront's "
            "bundle whose order lines are parked).",
        ),
    ] = False,
) -> None:
    """Give BUNDLE a recipe, replacing any it had: `bundle set GIFT-1 MUG-1:2 TEE-1:1`.
    Components must be plain SKUs, and BUNDLE must hold no stock of its own. Order lines
    parked for BUNDLE are then applied through the recipe."""
    with refused_input():
        parts = bundles.parse_components(components)
    actor = Actor.cli()
    done = run_with_database(lambda: bundles.set_recipe(bundle, parts, actor, add=add))
    if done.added:
        typer.echo(f"added {bundle} to the catalogue")
    typer.echo(f"set {describe(done.stored)}")
    if done.orders:
        typer.echo(f"applied its parked order lines: stock moved for {done.orders} order(s)")


@bundle_app.command("show")
def bundle_show(bundle: Bundle) -> None:
    """Show BUNDLE's recipe and its availability per location."""

    async def read() -> tuple[StoredRecipe, BundleStock | None]:
        return await bundles.show(bundle), await bundles.stock_of(bundle)

    stored, stock = run_with_database(read)
    typer.echo(describe(stored))
    if stock is not None:
        cli_tables.console().print(bundle_table(stock))


@bundle_app.command("list")
def bundle_list() -> None:
    """List every bundle with its recipe and version."""
    found = run_with_database(bundles.list_recipes)
    if not found:
        typer.echo("no bundles yet: define one with `syncbot bundle set BUNDLE COMPONENT:QTY`")
        return
    table = Table(title="Bundles", title_justify="left")
    table.add_column("bundle")
    table.add_column("components")
    table.add_column("version", justify="right")
    table.add_column("changed by")
    for stored in found:
        table.add_row(
            stored.recipe.bundle, str(stored.recipe), str(stored.version), stored.changed_by
        )
    cli_tables.console().print(table)


@bundle_app.command("remove")
def bundle_remove(bundle: Bundle) -> None:
    """Remove BUNDLE's recipe; the SKU stays, a plain SKU again."""
    stored = run_with_database(lambda: bundles.remove(bundle))
    typer.echo(f"removed the recipe of {stored.recipe.bundle} (was {stored.recipe})")


def bundle_table(stock: BundleStock) -> Table:
    """A bundle's availability per location, each figure with the component limiting it."""
    table = Table(
        title=f"{stock.recipe.bundle} is a bundle of {stock.recipe}", title_justify="left"
    )
    table.add_column("location")
    table.add_column("available", justify="right")
    table.add_column("limited by")
    table.add_column("incoming", justify="right")
    for place, figure in stock.locations.items():
        limit = figure.limited_by
        table.add_row(
            place,
            str(figure.available),
            f"{limit.sku}: {limit.available} available / {limit.per_bundle}",
            str(figure.incoming),
        )
    table.add_section()
    table.add_row(Text("total", style="bold"), str(stock.available), "", str(stock.incoming))
    return table
