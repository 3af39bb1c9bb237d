"""The demo's catalogue: 50 SKUs with names, barcodes and costs, a gift-set bundle, and
opening stock at two locations, received at cost on one purchase order per location.

The catalogue is the same on every run (a fixed seed), so two demos can be compared.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from syncbot.app import barcodes, bundles, catalogue, purchasing, purchasing_import
from syncbot.app.actor import Actor
from syncbot.ledger.barcodes import check_digit
from syncbot.ledger.bundles import Component

LOCATIONS = ("main", "east")
SUPPLIER = "Demo Supply Co"
BUNDLE = "GIFT-SET"
BUNDLE_NAME = "Red gift set"
BUNDLE_RECIPE = (("MUG-RED", 1), ("TEE-RED", 1), ("SOCK-RED", 2))
_PRODUCTS = {  # product: unit cost
    "Mug": Decimal("3.20"),
    "Tee": Decimal("6.50"),
    "Cap": Decimal("4.10"),
    "Tote": Decimal("2.75"),
    "Sock": Decimal("1.40"),
    "Scarf": Decimal("7.90"),
    "Beanie": Decimal("5.25"),
    "Notebook": Decimal("2.30"),
    "Poster": Decimal("1.85"),
    "Sticker": Decimal("0.35"),
}
_COLOURS = ("Red", "Blue", "Green", "Black", "White")


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    barcode: str
    """An EAN-13 in the 200–299 range, which GS1 keeps for in-store numbering."""
    cost: Decimal
    opening: tuple[int, int]
    """Units received at main and at east."""


def products(seed: int = 18) -> list[Product]:
    """The 50 SKUs, the same ones each time."""
    chance = random.Random(seed)
    found = []
    for number, (product, colour) in enumerate(
        (product, colour) for product in _PRODUCTS for colour in _COLOURS
    ):
        body = f"2000018{number:05d}"
        found.append(
            Product(
                sku=f"{product.upper()}-{colour.upper()}",
                name=f"{colour} {product.lower()}",
                barcode=body + str(check_digit(body)),
                cost=_PRODUCTS[product],
                opening=(chance.randint(30, 60), chance.randint(10, 30)),
            )
        )
    return found


async def seed(catalogue_products: list[Product], actor: Actor) -> None:
    """Adds the SKUs, their barcodes and the bundle, and receives the opening stock at
    cost: one purchase order per location, imported as a CSV, ordered and received in full."""
    for product in catalogue_products:
        await catalogue.add_sku(product.sku, name=product.name)
        await barcodes.add(product.sku, product.barcode)
    await catalogue.add_sku(BUNDLE, name=BUNDLE_NAME)
    recipe = [Component(sku, quantity) for sku, quantity in BUNDLE_RECIPE]
    await bundles.set_recipe(BUNDLE, recipe, actor)
    await purchasing.add_supplier(SUPPLIER, lead_time_days=7)
    orders = await purchasing_import.import_orders(opening_orders(catalogue_products), actor)
    for order in orders:
        await purchasing.place_order(order.number, actor)
        await purchasing.receive_all(order.number, actor, key=f"demo-opening-{order.number}")


def opening_orders(catalogue_products: list[Product]) -> str:
    """The opening stock as a purchase-order CSV (docs/purchasing.md): one order per location."""
    rows = ["po,supplier,location,sku,quantity,unit_cost"]
    for index, location in enumerate(LOCATIONS):
        rows += [
            f"OPENING-{location.upper()},{SUPPLIER},{location},{product.sku},"
            f"{product.opening[index]},{product.cost}"
            for product in catalogue_products
        ]
    return "\n".join(rows) + "\n"


async def seeded() -> bool:
    """True when the database already holds a catalogue (a `--dir` used before)."""
    return bool(await catalogue.list_skus())
