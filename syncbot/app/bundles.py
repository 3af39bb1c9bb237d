"""Bundle use cases: set, show, list and remove a recipe; a bundle's availability; and the
refusal of stock recorded against a bundle's code (it holds none of its own).

Errors: UnknownSku, and the BundleError tree of `ledger.bundles` (NestedBundle, NotABundle,
BundleHoldsStock, BundleHoldsNoStock), and ValidationError for a code the catalogue refuses
(`set_recipe(add=True)`). Setting a recipe applies the order lines parked for the bundle
through it, as adding a SKU does; orders of bundles are reconciled in `store.orders`, and
channel sync plans a bundle's listings in `syncbot.sync` (`supply`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from syncbot.app.actor import Actor
from syncbot.ledger import UnknownSku
from syncbot.ledger.bundles import (
    BundleHoldsNoStock,
    BundleStock,
    Component,
    NotABundle,
    parse_component,
)
from syncbot.store import bundles as store_bundles
from syncbot.store import lookups
from syncbot.store.bundles import StoredRecipe
from syncbot.store.catalogue import check_sku_code
from syncbot.store.orders import apply_parked

__all__ = [
    "BundleStock",
    "RecipeSet",
    "StoredRecipe",
    "availability",
    "bundle_codes",
    "list_recipes",
    "parse_components",
    "recipe_of",
    "refuse_stock",
    "remove",
    "set_recipe",
    "show",
    "stock_of",
]


def parse_components(texts: Iterable[str]) -> list[Component]:
    """`["MUG-1:2", "TEE-1:1"]` as components; raises BundleError on a malformed one."""
    return [parse_component(text) for text in texts]


@dataclass(frozen=True, slots=True)
class RecipeSet:
    """What `set_recipe` did: the recipe stored, whether the bundle's SKU was added to the
    catalogue, and for how many orders its parked lines moved stock."""

    stored: StoredRecipe
    added: bool
    orders: int


async def set_recipe(
    bundle: str,
    components: Sequence[Component],
    actor: Actor,
    now: datetime | None = None,
    *,
    add: bool = False,
) -> RecipeSet:
    """Gives `bundle` this recipe, replacing any it had (its version moves on by one), then
    applies the order lines parked for it through the recipe. `add`: add the bundle's SKU
    to the catalogue when it is not there yet (its orders' lines wait parked until then).
    Raises UnknownSku, a BundleError (rules broken, or the SKU holds stock)."""
    moment = now or datetime.now(UTC)
    added = add and not await lookups.sku_exists(bundle)
    if added:
        check_sku_code(bundle)
    stored = await store_bundles.set_recipe(bundle, components, actor.encode(), moment, add=added)
    return RecipeSet(stored, added, await apply_parked(bundle))


async def show(bundle: str) -> StoredRecipe:
    """The bundle's recipe; raises UnknownSku, or NotABundle for a plain SKU."""
    stored = await store_bundles.recipe_of(bundle)
    if stored is not None:
        return stored
    if not await lookups.sku_exists(bundle):
        raise UnknownSku(bundle)
    raise NotABundle(bundle)


async def recipe_of(sku: str) -> StoredRecipe | None:
    """The SKU's recipe; None for a plain SKU (or one not in the catalogue)."""
    return await store_bundles.recipe_of(sku)


async def list_recipes() -> list[StoredRecipe]:
    """Every bundle's recipe, by bundle code."""
    return list((await store_bundles.recipes()).values())


async def remove(bundle: str) -> StoredRecipe:
    """Removes the recipe (the SKU stays, a plain SKU again); answers what it was. Raises
    UnknownSku or NotABundle."""
    await show(bundle)
    return await store_bundles.remove(bundle)


async def stock_of(sku: str) -> BundleStock | None:
    """The SKU's availability as a bundle, per location; None when it is not a bundle."""
    return (await store_bundles.availability([sku])).get(sku)


async def availability(bundles: Collection[str] | None = None) -> dict[str, BundleStock]:
    """Many bundles' availability at once (every bundle for None), without a query per
    bundle."""
    return await store_bundles.availability(bundles)


async def bundle_codes() -> set[str]:
    """The code of every bundle."""
    return await store_bundles.bundle_codes()


async def refuse_stock(skus: Collection[str], what: str) -> None:
    """Raises BundleHoldsNoStock, naming the components, when any of `skus` is a bundle:
    `what` ("count", "receipt", ...) is recorded on components, never on a bundle."""
    among = await store_bundles.bundles_among(skus)
    if among:
        stored = await store_bundles.recipe_of(sorted(among)[0])
        if stored is not None:
            raise BundleHoldsNoStock(stored.recipe, what)
