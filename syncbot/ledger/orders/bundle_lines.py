"""Bundle lines of an order: a line whose SKU is a bundle moves its components.

A bundle line is **exploded** into one component line per component of its recipe, each
`units per bundle` times the line's figures (ordered, still on the order, fulfilled,
returned), and those lines go through the same reconciliation as any line. Every figure is
a whole number of bundles times a whole number of units, so partial fulfilment, partial
cancelling and refunds work per bundle, and selling a bundle moves exactly what selling its
components alone would.

**A line keeps the recipe it was taken with** (`LineRecipe`, stored with the order's
record): the recipe of its bundle when the line is first applied. A later change of the
recipe affects lines taken later only. A line first applied while its SKU was a plain SKU
stays a plain line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from syncbot.ledger.bundles import Component, Recipe
from syncbot.ledger.movements import MAX_QUANTITY, Movement
from syncbot.ledger.orders.fold import OrderLine, ReturnLine

PART = "\x1f"
"""Between a bundle line's id and a component's SKU in its component line's id (a unit
separator: never part of a storefront's ids, and JSON holds it)."""


@dataclass(frozen=True, slots=True)
class LineRecipe:
    """The recipe a bundle line was taken with, and its version then."""

    recipe: Recipe
    version: int

    def __str__(self) -> str:
        return f"{self.recipe.bundle} = {self.recipe} (version {self.version})"


def encode_recipe(kept: LineRecipe) -> dict[str, Any]:
    """The recipe as the order's record stores it (JSON); `decode_recipe` reads it back."""
    parts = [[component.sku, component.quantity] for component in kept.recipe.components]
    return {"bundle": kept.recipe.bundle, "version": kept.version, "components": parts}


def decode_recipe(stored: Mapping[str, Any]) -> LineRecipe:
    parts = tuple(Component(sku, quantity) for sku, quantity in stored["components"])
    return LineRecipe(Recipe(stored["bundle"], parts), stored["version"])


def part_id(line_id: str, sku: str) -> str:
    """The id of a bundle line's component line."""
    return f"{line_id}{PART}{sku}"


def taken(
    pinned: Mapping[str, LineRecipe],
    applied: Iterable[str],
    lines: Iterable[OrderLine | ReturnLine],
    current: Mapping[str, LineRecipe],
) -> dict[str, LineRecipe]:
    """Every line's recipe: those `pinned` before, and now the current recipe of each line
    of a bundle seen for the first time (`applied`: line ids already applied as plain)."""
    recipes = dict(pinned)
    seen = set(applied)
    for line in lines:
        if line.line_id not in recipes and line.line_id not in seen and line.sku in current:
            recipes[line.line_id] = current[line.sku]
    return recipes


def too_large(figure: int, kept: LineRecipe) -> str | None:
    """Why `figure` bundles cannot be moved as components (over the ledger's limit)."""
    largest = max(kept.recipe.components, key=lambda component: component.quantity)
    if figure * largest.quantity <= MAX_QUANTITY:
        return None
    return (
        f"{figure} × bundle {kept.recipe.bundle} needs {figure * largest.quantity} units of "
        f"{largest.sku}, over the limit of {MAX_QUANTITY}"
    )


def explode_line(line: OrderLine, kept: LineRecipe) -> tuple[OrderLine, ...]:
    """The bundle line as its component lines, each figure times the units per bundle."""
    return tuple(
        OrderLine(
            part_id(line.line_id, component.sku),
            component.sku,
            line.quantity * component.quantity,
            line.current * component.quantity,
            line.fulfilled * component.quantity,
            line.location,
        )
        for component in kept.recipe.components
    )


def explode_return(line: ReturnLine, kept: LineRecipe) -> tuple[ReturnLine, ...]:
    """A return of bundles as returns of their components, with the same disposition."""
    return tuple(
        replace(
            line,
            return_line_id=part_id(line.return_line_id, component.sku),
            line_id=part_id(line.line_id, component.sku),
            sku=component.sku,
            quantity=line.quantity * component.quantity,
        )
        for component in kept.recipe.components
    )


def in_bundle(movements: Iterable[Movement], bundle: str) -> list[Movement]:
    """The movements, each reason naming the bundle they were sold in (for history)."""
    return [
        replace(movement, reason=f"{movement.reason}, in bundle {bundle}") for movement in movements
    ]
