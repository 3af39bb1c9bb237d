"""`syncbot supplier add|list|show|set`: suppliers and their terms per SKU."""

from __future__ import annotations

from typing import Annotated

import typer

from syncbot.app import purchasing
from syncbot.cli import tables as cli_tables
from syncbot.cli.common import fail, run_with_database
from syncbot.cli.options import refused_input
from syncbot.cli.purchasing_tables import supplier_table, terms_table
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.purchasing import check_note, check_supplier_name

supplier_app = typer.Typer(
    help="Add, list and change suppliers and their terms per SKU.", no_args_is_help=True
)

Name = Annotated[str, typer.Argument(metavar="NAME", help="The supplier's name.")]
LeadTime = Annotated[
    int | None, typer.Option("--lead-time", min=0, max=3650, help="Days from order to delivery.")
]
Note = Annotated[str | None, typer.Option(help="A note kept with the supplier.")]


@supplier_app.command("add")
def supplier_add(name: Name, lead_time: LeadTime = None, note: Note = None) -> None:
    """Add a supplier, so purchase orders can be placed with it."""
    with refused_input():
        check_supplier_name(name)
        check_note(note or "")
    added = run_with_database(lambda: purchasing.add_supplier(name, lead_time or 0, note or ""))
    typer.echo(f"added supplier {added.name} (lead time {added.lead_time_days} days)")


@supplier_app.command("list")
def supplier_list() -> None:
    """List the suppliers by name."""
    found = run_with_database(purchasing.list_suppliers)
    if not found:
        typer.echo("no suppliers yet: add one with `syncbot supplier add NAME`")
        return
    cli_tables.console().print(supplier_table(found))


@supplier_app.command("show")
def supplier_show(name: Name) -> None:
    """Show a supplier with its terms per SKU."""
    supplier = run_with_database(lambda: purchasing.supplier(name))
    cli_tables.console().print(terms_table(supplier))


@supplier_app.command("set")
def supplier_set(
    name: Name,
    lead_time: LeadTime = None,
    note: Note = None,
    sku: Annotated[
        str | None, typer.Option(help="Set the terms for this SKU.", show_default=False)
    ] = None,
    supplier_sku: Annotated[
        str | None, typer.Option(help="The supplier's code for the SKU.", show_default=False)
    ] = None,
    minimum: Annotated[
        int | None, typer.Option(min=0, help="Minimum order quantity.", show_default=False)
    ] = None,
    case_pack: Annotated[
        int | None, typer.Option(min=1, help="Units per case.", show_default=False)
    ] = None,
    cost: Annotated[
        str | None, typer.Option(help="Last unit cost, e.g. 4.50.", show_default=False)
    ] = None,
) -> None:
    """Change a supplier's lead time or note, or (with --sku) its terms for one SKU."""
    terms = (supplier_sku, minimum, case_pack, cost)
    if sku is None and any(value is not None for value in terms):
        raise fail("--supplier-sku, --minimum, --case-pack and --cost need --sku SKU")
    if sku is None and lead_time is None and note is None:
        raise fail("nothing to change: give --lead-time, --note, or --sku with its terms")
    with refused_input():
        unit_cost = None if cost is None else parse_cost(cost)
        if note is not None:
            check_note(note)

    async def change() -> purchasing.SupplierView:
        # The terms first: an unknown SKU then refuses before the lead time changes.
        if sku is not None:
            await purchasing.set_supplier_terms(
                name,
                sku,
                supplier_sku=supplier_sku,
                minimum_order_quantity=minimum,
                case_pack=case_pack,
                unit_cost=unit_cost,
            )
        return await purchasing.set_supplier(name, lead_time, note)

    supplier = run_with_database(change)
    typer.echo(f"changed supplier {supplier.name}")
    cli_tables.console().print(terms_table(supplier))
