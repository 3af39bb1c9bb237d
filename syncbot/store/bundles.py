"""Bundles in the store: set, read, list and remove a recipe, and many bundles' availability.

Setting a recipe is one transaction:
1. lock the SKU rows of the bundle and its components in code order (PostgreSQL; SQLite's
   writer lock covers it), so two sets that share a SKU apply one after the other and the
   second sees the first (no bundle nested in another through a race);
2. read what the rules need: the SKUs named, which of them are bundles, which bundles hold
   this one, and the bundle's own balances;
3. check the recipe (`ledger.bundles.recipe`) and that the SKU holds no stock;
4. replace every component row and move `version` on by one;
5. write a `recipe_changed` outbox event, so the bundle's listings are planned again.

A refusal writes nothing. Availability reads every bundle asked for with two queries, the
recipes and the balances of all their components, whatever the number of bundles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from syncbot.ledger import REAL_BUCKETS, Bucket, Quantities, UnknownSku
from syncbot.ledger.bundles import (
    BundleHoldsStock,
    BundleStock,
    Component,
    NotABundle,
    Recipe,
    bundle_stock,
    recipe,
)
from syncbot.ledger.events import EventName
from syncbot.store import key_lists, models, outbox
from syncbot.store.bundle_models import Bundle, BundleComponent
from syncbot.store.sku_list import with_placeholders

CHUNK = 5_000
"""Codes per IN list: under SQLite's and asyncpg's limits on bound parameters."""


@dataclass(frozen=True, slots=True)
class StoredRecipe:
    """A recipe as stored: `version` counts its changes, the first set being 1."""

    recipe: Recipe
    version: int
    changed_at: datetime
    changed_by: str


async def set_recipe(
    bundle: str, components: Iterable[Component], actor: str, now: datetime, *, add: bool = False
) -> StoredRecipe:
    """Replaces `bundle`'s recipe (or gives it one). Raises UnknownSku for the bundle or a
    component, a BundleError for a broken rule, BundleHoldsStock when the SKU holds stock.

    `add`: a bundle's SKU not in the catalogue is added to it in the same transaction (its
    code checked by the caller), rather than refused."""
    listed = list(components)
    recipe(bundle, listed)  # the rules that need no reads, before any: a bounded list
    codes = sorted({component.sku for component in listed})
    async with in_transaction() as connection:
        # Every SKU named, locked in code order: a concurrent set that would make one of
        # these components a bundle (or this bundle a component) waits, then sees this one.
        # (Whole rows: Tortoise drops FOR UPDATE from a values_list query.)
        rows = (
            await models.Sku.filter(code__in=sorted({bundle, *codes}))
            .order_by("code")
            .select_for_update()
            .using_db(connection)
        )
        locked = {row.code for row in rows}
        if bundle not in locked and add:
            await models.Sku.create(code=bundle, using_db=connection)
        elif bundle not in locked:
            raise UnknownSku(bundle)
        missing = [code for code in codes if code not in locked]
        if missing:
            raise UnknownSku(missing[0])
        checked = recipe(
            bundle,
            listed,
            bundles=_codes(
                await Bundle.filter(sku_id__in=codes)
                .using_db(connection)
                .values_list("sku_id", flat=True)
            ),
            contained_in=_codes(
                await BundleComponent.filter(component_id=bundle)
                .using_db(connection)
                .values_list("bundle__sku_id", flat=True)
            ),
        )
        held = await _own_stock(bundle, connection)
        if held:
            raise BundleHoldsStock(bundle, held)
        row = await Bundle.filter(sku_id=bundle).using_db(connection).first()
        if row is None:
            row = await Bundle.create(
                sku_id=bundle, version=1, changed_at=now, changed_by=actor, using_db=connection
            )
        else:
            await BundleComponent.filter(bundle_id=row.id).using_db(connection).delete()
            await (
                Bundle.filter(id=row.id)
                .using_db(connection)
                .update(version=F("version") + 1, changed_at=now, changed_by=actor)
            )
            await row.refresh_from_db(using_db=connection)
        await BundleComponent.bulk_create(
            [
                BundleComponent(bundle_id=row.id, component_id=part.sku, quantity=part.quantity)
                for part in checked.components
            ],
            using_db=connection,
        )
        await _recipe_changed(bundle, row.version, connection)
    return StoredRecipe(checked, row.version, row.changed_at, row.changed_by)


async def _recipe_changed(bundle: str, version: int | None, connection: BaseDBAsyncClient) -> None:
    """Tells the change watcher, with the change itself, to plan the bundle's listings
    again (`version` None: the recipe was removed)."""
    payload = {"bundle": bundle, "version": version}
    await outbox.write(EventName.RECIPE_CHANGED, bundle, payload, connection)


def _codes(values: Iterable[object]) -> set[str]:
    """Codes as `values_list(..., flat=True)` answers them."""
    return {str(value) for value in values}


async def _own_stock(code: str, connection: BaseDBAsyncClient) -> dict[str, Quantities]:
    """The SKU's non-zero balances per location (on hand and incoming)."""
    rows = (
        await models.Balance.filter(sku_id=code, bucket__in=[str(b) for b in REAL_BUCKETS])
        .exclude(quantity=0)
        .using_db(connection)
        .values_list("location_id", "bucket", "quantity")
    )
    buckets: dict[str, dict[Bucket, int]] = defaultdict(dict)
    for location, bucket, quantity in rows:
        buckets[location][Bucket(bucket)] = quantity
    return {place: Quantities.from_buckets(held) for place, held in buckets.items()}


async def recipe_of(code: str) -> StoredRecipe | None:
    """The SKU's stored recipe, or None when it is not a bundle."""
    found = await recipes([code])
    return found.get(code)


async def recipes(
    codes: Collection[str] | None = None, connection: BaseDBAsyncClient | None = None
) -> dict[str, StoredRecipe]:
    """The recipes of these SKUs that are bundles (every bundle for None), by code, within
    `connection`'s transaction when given: one query on PostgreSQL, the codes as one array
    (one prepared statement whatever their number; intake reads recipes in every batch
    with a new bundle line), one per `key_lists.CHUNK` codes on SQLite."""
    client = connection or connections.get("default")
    changed = Bundle._meta.fields_map["changed_at"]
    parts: dict[str, list[Component]] = defaultdict(list)
    stamps: dict[str, tuple[int, datetime, str]] = {}
    for sql, params in _recipe_queries(codes, client.capabilities.dialect):
        _, rows = await client.execute_query(sql, params)
        for bundle, component, quantity, version, changed_at, changed_by in (
            tuple(row) for row in rows
        ):
            parts[bundle].append(Component(component, int(quantity)))
            stamps[bundle] = (int(version), changed.to_python_value(changed_at), changed_by)
    found: dict[str, StoredRecipe] = {}
    for bundle, listed in parts.items():
        # Stored recipes were checked when set: build them without the rules' reads.
        made = Recipe(bundle, tuple(sorted(listed, key=lambda part: part.sku)))
        found[bundle] = StoredRecipe(made, *stamps[bundle])
    return dict(sorted(found.items()))


_RECIPE_ROWS = (
    "SELECT b.sku_id, c.component_id, c.quantity, b.version, b.changed_at, b.changed_by "
    "FROM bundle_component c JOIN bundle b ON b.id = c.bundle_id"
)


def _recipe_queries(codes: Collection[str] | None, dialect: str) -> list[tuple[str, list[object]]]:
    if codes is None:
        return [(_RECIPE_ROWS, [])]
    queries: list[tuple[str, list[object]]] = []
    for chunk in key_lists.chunks(sorted(set(codes)), dialect):
        condition, params = key_lists.among("b.sku_id", chunk, dialect)
        queries.append((with_placeholders(f"{_RECIPE_ROWS} WHERE {condition}", dialect), params))
    return queries


async def bundles_among(codes: Collection[str]) -> set[str]:
    """Which of these SKU codes are bundles."""
    return _codes(await Bundle.filter(sku_id__in=list(codes)).values_list("sku_id", flat=True))


async def containing(components: Collection[str]) -> set[str]:
    """The codes of the bundles that have any of `components` among theirs: one query per
    CHUNK codes, whatever the number of bundles."""
    ordered = sorted(set(components))
    found: set[str] = set()
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found |= _codes(
            await BundleComponent.filter(component_id__in=chunk).values_list(
                "bundle__sku_id", flat=True
            )
        )
    return found


async def bundle_codes() -> set[str]:
    return _codes(await Bundle.all().values_list("sku_id", flat=True))


async def remove(code: str) -> StoredRecipe:
    """Deletes the SKU's recipe: it becomes a plain SKU again. Raises NotABundle."""
    stored = await recipe_of(code)
    if stored is None:
        raise NotABundle(code)
    async with in_transaction() as connection:
        # Its components go with it (CASCADE).
        await Bundle.filter(sku_id=code).using_db(connection).delete()
        await _recipe_changed(code, None, connection)
    return stored


async def availability(codes: Collection[str] | None = None) -> dict[str, BundleStock]:
    """Availability of these bundles (every bundle for None) at every location where their
    components are held, by bundle code: per CHUNK codes, one query for the recipes and
    one over the balances of all their components.

    Plain SQL: on 10k bundles, building ORM value rows took a third of the time."""
    client = connections.get("default")
    postgres = client.capabilities.dialect == "postgres"
    found: dict[str, BundleStock] = {}
    for chunk in _chunks(codes):
        marks = ", ".join(f"${n + 1}" if postgres else "?" for n in range(len(chunk or ())))
        where = "" if chunk is None else f" WHERE b.sku_id IN ({marks})"
        values = list(chunk or ())
        _, rows = await client.execute_query(_RECIPES.format(where=where), values)
        parts: dict[str, list[Component]] = defaultdict(list)
        for bundle, component, quantity in (tuple(row) for row in rows):
            parts[bundle].append(Component(component, int(quantity)))
        _, rows = await client.execute_query(_BALANCES.format(where=where), values)
        held: dict[str, dict[str, Quantities]] = defaultdict(dict)
        for location, sku, available, incoming in (tuple(row) for row in rows):
            held[location][sku] = Quantities(available=int(available), incoming=int(incoming))
        for bundle, listed in parts.items():
            made = Recipe(bundle, tuple(sorted(listed, key=lambda part: part.sku)))
            found[bundle] = bundle_stock(made, held)
    return dict(sorted(found.items()))


_RECIPES = """
SELECT b.sku_id, c.component_id, c.quantity
FROM bundle_component c JOIN bundle b ON b.id = c.bundle_id{where}
"""
# One row per component and location, its available and incoming side by side.
_BALANCES = """
SELECT location_id, sku_id,
       SUM(CASE WHEN bucket = 'available' THEN quantity ELSE 0 END),
       SUM(CASE WHEN bucket = 'incoming' THEN quantity ELSE 0 END)
FROM balance
WHERE bucket IN ('available', 'incoming') AND sku_id IN (
    SELECT c.component_id FROM bundle_component c JOIN bundle b ON b.id = c.bundle_id{where}
)
GROUP BY location_id, sku_id
"""


def _chunks(codes: Collection[str] | None) -> list[list[str] | None]:
    if codes is None:
        return [None]
    ordered = sorted(set(codes))
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]
