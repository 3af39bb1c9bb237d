"""Bundles: a SKU sold as a set of other SKUs. Its recipe, the rules a recipe keeps, the
availability it derives from its components, and the component quantities of a bundle line.

A bundle holds no stock of its own: every number here comes from its components.

Rules a recipe keeps (`recipe` refuses the rest with a BundleError):
1. at least one component, at most MAX_COMPONENTS;
2. each quantity a whole number from 1 to MAX_COMPONENT_QUANTITY, each component once;
3. a component is a plain SKU: never the bundle itself, never another bundle, and a SKU
   that is a component of some bundle cannot become a bundle. Nesting is one level, so a
   cycle cannot be formed.

Availability at one location is min over components of ⌊component available / quantity⌋,
floored at zero: a component oversold (available below zero) makes zero bundles, never a
negative number of them. The limiting component is the one that gives that minimum (on a
tie, the first by SKU code), and it explains the figure: "3, limited by MUG-1: 7 available / 2".

Incoming is derived the same way and read as "how many more bundles the expected receipts
would make": min over ⌊(available + incoming) / quantity⌋, less the bundles available now.
Committed is not derived: a component's committed units belong to whatever orders took
them (the component sold alone, or in another bundle), so dividing it would count other
orders as this bundle's. A bundle's committed will come from its own order lines.

A total over locations is the sum of the per-location figures, never the minimum over
summed components: units at two warehouses do not make a set together.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from syncbot.ledger.errors import ValidationError, quoted
from syncbot.ledger.movements import MAX_QUANTITY
from syncbot.ledger.quantities import Quantities

MAX_COMPONENTS = 100
"""Components in one recipe: more is a catalogue error, not a kit."""
MAX_COMPONENT_QUANTITY = 10_000
"""Units of one component in one bundle."""

__all__ = [
    "MAX_COMPONENTS",
    "MAX_COMPONENT_QUANTITY",
    "Availability",
    "BundleError",
    "BundleHoldsNoStock",
    "BundleHoldsStock",
    "BundleStock",
    "Component",
    "Limit",
    "NestedBundle",
    "NotABundle",
    "Recipe",
    "availability",
    "bundle_stock",
    "explode",
    "parse_component",
    "recipe",
]


class BundleError(ValidationError):
    """A recipe breaks one of the rules above; nothing is written."""


class NestedBundle(BundleError):
    """A bundle would contain a bundle, or itself, or become one while it is a component."""


class NotABundle(BundleError):
    """The SKU has no recipe."""

    def __init__(self, sku: str) -> None:
        super().__init__(
            f"{quoted(sku)} is not a bundle: give it a recipe with "
            "`syncbot bundle set BUNDLE COMPONENT:QTY ...`"
        )
        self.sku = sku


@dataclass(frozen=True, slots=True)
class Component:
    """`quantity` units of the SKU `sku` in one bundle (or, exploded, in one bundle line)."""

    sku: str
    quantity: int

    def __str__(self) -> str:
        return f"{self.sku}:{self.quantity}"


@dataclass(frozen=True, slots=True)
class Recipe:
    """A bundle's components, sorted by SKU code; built only through `recipe`."""

    bundle: str
    components: tuple[Component, ...]

    def __str__(self) -> str:
        return " ".join(str(component) for component in self.components)


def parse_component(text: str) -> Component:
    """`MUG-1:2` as a Component. The last colon separates, so a SKU code may hold colons.
    The quantity is checked by `recipe`."""
    code, colon, quantity = text.rpartition(":")
    if not colon or not code:
        raise BundleError(f"component {quoted(text)} must be written SKU:QTY, as MUG-1:2")
    try:
        number = int(quantity)
    except ValueError:
        raise BundleError(
            f"component {quoted(text)}: quantity {quoted(quantity)} is not a whole number"
        ) from None
    return Component(code, number)


def recipe(
    bundle: str,
    components: Iterable[Component],
    *,
    bundles: Collection[str] = (),
    contained_in: Collection[str] = (),
) -> Recipe:
    """A checked recipe for `bundle`, or a BundleError naming the rule broken.

    `bundles`: which of the components are bundles themselves; `contained_in`: the bundles
    that have `bundle` among their components. Both are read by the caller.
    """
    listed = list(components)
    if not listed:
        raise BundleError(f"bundle {quoted(bundle)} needs at least one component, as MUG-1:2")
    if len(listed) > MAX_COMPONENTS:
        raise BundleError(
            f"bundle {quoted(bundle)} has {len(listed)} components, over the limit of "
            f"{MAX_COMPONENTS}"
        )
    seen: set[str] = set()
    for component in listed:
        _check_component(bundle, component, seen)
    nested = sorted(set(bundles) & seen)
    if nested:
        raise NestedBundle(
            f"{quoted(nested[0])} is a bundle itself, and a bundle's components must be plain "
            "SKUs: list its components instead"
        )
    if contained_in:
        parents = ", ".join(sorted(contained_in))
        raise NestedBundle(
            f"{quoted(bundle)} is a component of the bundle(s) {parents}, so it cannot be a "
            "bundle itself: remove it from them first"
        )
    return Recipe(bundle, tuple(sorted(listed, key=lambda component: component.sku)))


def _check_component(bundle: str, component: Component, seen: set[str]) -> None:
    if component.sku == bundle:
        raise NestedBundle(f"bundle {quoted(bundle)} cannot contain itself")
    if component.sku in seen:
        raise BundleError(
            f"component {quoted(component.sku)} is listed twice: give it once with the total"
        )
    seen.add(component.sku)
    if isinstance(component.quantity, bool) or not isinstance(component.quantity, int):
        raise BundleError(f"component {quoted(component.sku)}: quantity must be a whole number")
    if not 1 <= component.quantity <= MAX_COMPONENT_QUANTITY:
        raise BundleError(
            f"component {quoted(component.sku)}: quantity {component.quantity} must be from 1 "
            f"to {MAX_COMPONENT_QUANTITY}"
        )


@dataclass(frozen=True, slots=True)
class Limit:
    """The component that limits a bundle's availability, with its numbers."""

    sku: str
    available: int
    per_bundle: int


@dataclass(frozen=True, slots=True)
class Availability:
    """A bundle at one location: how many can be sold, and why."""

    available: int
    """min over components of ⌊available / quantity⌋, never below zero."""
    limited_by: Limit
    incoming: int
    """How many more bundles the components' incoming units would make."""

    def explain(self) -> str:
        """ "3, limited by MUG-1: 7 available / 2"."""
        limit = self.limited_by
        return (
            f"{self.available}, limited by {limit.sku}: "
            f"{limit.available} available / {limit.per_bundle}"
        )


def availability(recipe: Recipe, stock: Mapping[str, Quantities]) -> Availability:
    """The bundle's availability at one location from its components' quantities there; a
    component missing from `stock` holds nothing there.

    Invariant: available × quantity ≤ component available for every component whose
    available is not negative."""
    empty = Quantities()
    limit: Limit | None = None
    least = 0
    with_incoming: int | None = None
    for component in recipe.components:
        held = stock.get(component.sku, empty)
        makes = held.available // component.quantity
        if limit is None or makes < least:
            limit, least = Limit(component.sku, held.available, component.quantity), makes
        later = (held.available + max(held.incoming, 0)) // component.quantity
        with_incoming = later if with_incoming is None else min(with_incoming, later)
    assert limit is not None  # a Recipe has a component
    assert with_incoming is not None
    available = max(least, 0)
    return Availability(available, limit, max(with_incoming, 0) - available)


@dataclass(frozen=True, slots=True)
class BundleStock:
    """A bundle's availability at each location where any of its components is held."""

    recipe: Recipe
    locations: dict[str, Availability]

    @property
    def available(self) -> int:
        """Over every location: the sum of each location's bundles."""
        return sum(place.available for place in self.locations.values())

    @property
    def incoming(self) -> int:
        return sum(place.incoming for place in self.locations.values())


def bundle_stock(recipe: Recipe, stock: Mapping[str, Mapping[str, Quantities]]) -> BundleStock:
    """`stock`: location → component SKU → quantities (others are ignored). Every location
    holding any component gets a figure, zero where another component is missing."""
    codes = {component.sku for component in recipe.components}
    places = sorted(place for place, held in stock.items() if codes & held.keys())
    return BundleStock(recipe, {place: availability(recipe, stock[place]) for place in places})


def explode(recipe: Recipe, quantity: int) -> tuple[Component, ...]:
    """The component quantities of a bundle line of `quantity` bundles, in recipe order.

    Exact: each component moves quantity × its per-bundle quantity, so exploding a line
    and selling the components alone move the same units."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise BundleError(f"a bundle line's quantity must be a positive whole number: {quantity}")
    largest = max(component.quantity for component in recipe.components)
    if quantity * largest > MAX_QUANTITY:
        raise BundleError(
            f"{quantity} × {recipe.bundle} needs {quantity * largest} units of one component, "
            f"over the limit of {MAX_QUANTITY}"
        )
    return tuple(
        Component(component.sku, component.quantity * quantity) for component in recipe.components
    )


class BundleHoldsStock(BundleError):
    """A SKU with stock of its own cannot become a bundle: its units would vanish from sight."""

    def __init__(self, sku: str, held: Mapping[str, Quantities]) -> None:
        places = ", ".join(
            f"{place} {quantities.on_hand} on hand"
            + (f", {quantities.committed} committed" if quantities.committed else "")
            + (f", {quantities.incoming} incoming" if quantities.incoming else "")
            for place, quantities in sorted(held.items())
        )
        # Units committed to orders taken while it was a plain SKU leave with those orders.
        orders = (
            " (let the orders holding it close)"
            if any(quantities.committed for quantities in held.values())
            else ""
        )
        super().__init__(
            f"{quoted(sku)} holds stock of its own ({places}), and a bundle holds none: "
            f"write it off, count it to zero or receive it as its components first{orders}"
        )
        self.sku = sku
        self.held = dict(held)


class BundleHoldsNoStock(BundleError):
    """Stock was recorded against a bundle's code: counts, receipts, damages and adjustments
    are of its components."""

    def __init__(self, recipe: Recipe, what: str) -> None:
        names = ", ".join(component.sku for component in recipe.components)
        super().__init__(
            f"{quoted(recipe.bundle)} is a bundle of {recipe} and holds no stock of its own: "
            f"record the {what} on its components ({names}) instead"
        )
        self.recipe = recipe
        self.what = what
