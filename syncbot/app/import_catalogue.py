"""The catalogue from CSV files: SKUs, barcodes, bundles, supplier costs and listings.

Each kind states what the catalogue should hold, row by row; a row that already holds is
"unchanged", so importing the same file twice changes nothing the second time. Checking
reads the store in a few batched queries and names every bad cell; `apply` then writes
inside the caller's transaction (`imports.import_file`), so a refusal that only the write
can find (a bundle rule that another bundle breaks) rolls every row back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from syncbot.app import catalogue as use_catalogue
from syncbot.app.actor import Actor
from syncbot.app.import_rows import Cells, ImportFile, ImportRefused, Problem, duplicates
from syncbot.ledger import LedgerError
from syncbot.ledger.barcodes import BarcodeKind
from syncbot.ledger.bundles import Component, recipe
from syncbot.ledger.limits import MAX_CHANNEL_LENGTH, MAX_NAME_LENGTH, MAX_SKU_LENGTH
from syncbot.ledger.movements import MAX_QUANTITY
from syncbot.store import barcodes as store_barcodes
from syncbot.store import bundles as store_bundles
from syncbot.store import catalogue, import_rows, suppliers
from syncbot.store.import_rows import ListingIds, SkuFields, SupplierTerms

MAX_ID_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Terms:
    """A row of supplier terms: what is None is not given, and keeps what is stored."""

    supplier_sku: str | None
    minimum_order_quantity: int | None
    case_pack: int | None
    unit_cost: Decimal

    def as_new(self) -> SupplierTerms:
        """The terms of a SKU the supplier had none for: what is not given, the default."""
        return SupplierTerms(
            self.supplier_sku or "",
            self.minimum_order_quantity or 0,
            self.case_pack or 1,
            self.unit_cost,
        )

    def holds_in(self, held: SupplierTerms) -> bool:
        return (
            self.supplier_sku in (None, held.supplier_sku)
            and self.minimum_order_quantity in (None, held.minimum_order_quantity)
            and self.case_pack in (None, held.case_pack)
            and self.unit_cost == held.last_unit_cost
        )


@dataclass(slots=True)
class Plan:
    """What applying a checked file writes: `writes` run in order, in one transaction."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    writes: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def _refuse_if(problems: list[Problem]) -> None:
    if problems:
        raise ImportRefused(problems)


async def plan_skus(imported: ImportFile, channels: Collection[str], actor: Actor) -> Plan:
    """Columns sku (required), name, reorder_point; an empty or absent cell keeps what a
    SKU holds. A new SKU with parked order lines is added one by one, applying them."""
    problems: list[Problem] = []
    given: list[tuple[int, str, str | None, int | None, bool]] = []
    for row in imported.rows:
        cells = Cells(row, problems)
        code = cells.parsed("sku", catalogue.check_sku_code)
        if code is None and not cells.bad:
            cells.problem("sku", "is empty: it is required")
        name = cells.text("name", MAX_NAME_LENGTH)
        reorder_point = cells.whole("reorder_point")
        if code is not None and not cells.bad:
            has_point = bool(row.get("reorder_point"))
            given.append((row.number, code, name or None, reorder_point, has_point))
    duplicates([(code, number) for number, code, *_ in given], "sku", "this SKU", problems)
    _refuse_if(problems)
    stored = await import_rows.sku_fields({code for _, code, *_ in given})
    plan = Plan()
    new: list[SkuFields] = []
    changed: list[SkuFields] = []
    for _, code, given_name, reorder_point, has_point in given:
        held = stored.get(code)
        if held is None:
            new.append(SkuFields(code, given_name or "", reorder_point))
            continue
        wanted = SkuFields(
            code,
            held.name if given_name is None else given_name,
            reorder_point if has_point else held.reorder_point,
        )
        if wanted == held:
            plan.unchanged += 1
        else:
            changed.append(wanted)
    parked = await import_rows.parked_skus({row.code for row in new})
    plan.added, plan.changed = len(new), len(changed)

    async def write() -> None:
        await import_rows.add_skus([row for row in new if row.code not in parked])
        for row in new:
            if row.code in parked:  # the use case applies the order lines parked for it
                await use_catalogue.add_sku(row.code, row.name, row.reorder_point)
        await import_rows.update_skus(changed)

    plan.writes.append(write)
    return plan


async def plan_barcodes(imported: ImportFile, channels: Collection[str], actor: Actor) -> Plan:
    """Columns sku and barcode (both required): gives each barcode to its SKU. A barcode
    another SKU holds is refused, never moved."""
    problems: list[Problem] = []
    given: list[tuple[Cells, str, str, BarcodeKind]] = []
    for row in imported.rows:
        cells = Cells(row, problems)
        code = cells.text("sku", MAX_SKU_LENGTH, required=True)
        barcode = cells.text("barcode", 64, required=True)
        kind = cells.parsed("barcode", store_barcodes.check_new_barcode)
        if not cells.bad and kind is not None:
            given.append((cells, code, barcode, kind))
    duplicates([(barcode, c.row.number) for c, _, barcode, _ in given], "barcode", "it", problems)
    known = await import_rows.known_skus({code for _, code, _, _ in given})
    held = await import_rows.barcode_holders({barcode for _, _, barcode, _ in given})
    plan = Plan()
    new: list[tuple[str, str, str]] = []
    for cells, code, barcode, kind in given:
        if code not in known:
            cells.problem("sku", f"unknown SKU {code!r}: import it with `syncbot import skus`")
        elif barcode in held and held[barcode] != code:
            cells.problem("barcode", f"{barcode} already belongs to SKU {held[barcode]}")
        elif barcode in held:
            plan.unchanged += 1
        else:
            new.append((barcode, code, str(kind)))
    _refuse_if(problems)
    plan.added = len(new)

    async def write() -> None:
        await import_rows.add_barcodes(new)

    plan.writes.append(write)
    return plan


async def plan_bundles(imported: ImportFile, channels: Collection[str], actor: Actor) -> Plan:
    """Columns bundle, component, quantity (all required), one row per component: the
    rows of a bundle are its whole recipe, replacing the one it has."""
    problems: list[Problem] = []
    recipes: dict[str, list[Component]] = defaultdict(list)
    first_row: dict[str, int] = {}
    for row in imported.rows:
        cells = Cells(row, problems)
        bundle = cells.text("bundle", MAX_SKU_LENGTH, required=True)
        component = cells.text("component", MAX_SKU_LENGTH, required=True)
        quantity = cells.whole("quantity", minimum=1, maximum=MAX_QUANTITY)
        if quantity is None and not cells.bad:
            cells.problem("quantity", "is empty: it is required")
        if not cells.bad and quantity is not None:
            first_row.setdefault(bundle, row.number)
            recipes[bundle].append(Component(component, quantity))
    known = await import_rows.known_skus(
        set(recipes) | {part.sku for parts in recipes.values() for part in parts}
    )
    for bundle, parts in recipes.items():
        missing = sorted({bundle, *(part.sku for part in parts)} - known)
        if missing:
            problems.append(
                Problem(first_row[bundle], "bundle", f"unknown SKU {missing[0]!r} in {bundle}")
            )
            continue
        try:
            recipe(bundle, parts, bundles=recipes.keys())  # what needs no reads of the store
        except LedgerError as error:
            problems.append(Problem(first_row[bundle], "bundle", str(error)))
    _refuse_if(problems)
    stored = await store_bundles.recipes(list(recipes))
    plan = Plan()
    changed: list[tuple[str, list[Component]]] = []
    for bundle, parts in recipes.items():
        held = stored.get(bundle)
        if held is not None and set(held.recipe.components) == set(parts):
            plan.unchanged += 1
            continue
        changed.append((bundle, parts))
        if held is None:
            plan.added += 1
        else:
            plan.changed += 1

    async def write() -> None:
        now = datetime.now(UTC)
        for bundle, parts in changed:
            try:
                await store_bundles.set_recipe(bundle, parts, actor.encode(), now)
            except LedgerError as error:  # a rule only the store can see: nothing is kept
                raise ImportRefused([Problem(first_row[bundle], "bundle", str(error))]) from None

    plan.writes.append(write)
    return plan


async def plan_costs(imported: ImportFile, channels: Collection[str], actor: Actor) -> Plan:
    """Columns supplier, sku, unit_cost (required), supplier_sku, minimum_order_quantity,
    case_pack: a supplier's terms per SKU, the cost a purchase order line starts from. The
    moving average cost itself only moves with stock: receipts (`import stock` with a
    unit_cost) set it."""
    problems: list[Problem] = []
    given: list[tuple[Cells, str, str, Terms]] = []
    for row in imported.rows:
        cells = Cells(row, problems)
        name = cells.text("supplier", MAX_NAME_LENGTH, required=True)
        code = cells.text("sku", MAX_SKU_LENGTH, required=True)
        cost = cells.cost("unit_cost")
        if cost is None and not cells.bad:
            cells.problem("unit_cost", "is empty: it is required")
        supplier_sku = cells.text("supplier_sku", 128)
        minimum = cells.whole("minimum_order_quantity", maximum=1_000_000_000)
        case_pack = cells.whole("case_pack", minimum=1, maximum=1_000_000_000)
        if not cells.bad and cost is not None:
            terms = Terms(supplier_sku or None, minimum, case_pack, cost)
            given.append((cells, name, code, terms))
    duplicates(
        [((name, code), c.row.number) for c, name, code, _ in given],
        "sku",
        "this supplier and SKU",
        problems,
    )
    ids = await import_rows.supplier_names({name for _, name, _, _ in given})
    known = await import_rows.known_skus({code for _, _, code, _ in given})
    stored = await import_rows.supplier_terms(ids.values())
    plan = Plan()
    new: list[tuple[int, str, SupplierTerms]] = []
    writes: list[tuple[str, str, Terms]] = []
    for cells, name, code, terms in given:
        if name not in ids:
            cells.problem("supplier", f"unknown supplier {name!r}: `syncbot supplier add` it")
        elif code not in known:
            cells.problem("sku", f"unknown SKU {code!r}: import it with `syncbot import skus`")
        elif (held := stored.get((ids[name], code))) is None:
            new.append((ids[name], code, terms.as_new()))
        elif terms.holds_in(held):
            plan.unchanged += 1
        else:
            writes.append((name, code, terms))
    _refuse_if(problems)
    plan.added, plan.changed = len(new), len(writes)

    async def write() -> None:
        await import_rows.add_supplier_items(new)
        for name, code, terms in writes:
            await suppliers.set_item(
                name,
                code,
                supplier_sku=terms.supplier_sku,
                minimum_order_quantity=terms.minimum_order_quantity,
                case_pack=terms.case_pack,
                last_unit_cost=terms.unit_cost,
            )

    plan.writes.append(write)
    return plan


async def plan_listings(imported: ImportFile, channels: Collection[str], actor: Actor) -> Plan:
    """Columns channel, sku, inventory_id (required), listing_id (default: the inventory
    id): which SKU each of a channel's inventory items is. Discovery (`syncbot sync`)
    replaces listings the channel no longer has."""
    problems: list[Problem] = []
    given: list[tuple[Cells, ListingIds]] = []
    for row in imported.rows:
        cells = Cells(row, problems)
        channel = cells.text("channel", MAX_CHANNEL_LENGTH, required=True)
        code = cells.text("sku", MAX_SKU_LENGTH, required=True)
        inventory_id = cells.text("inventory_id", MAX_ID_LENGTH, required=True)
        listing_id = cells.text("listing_id", MAX_ID_LENGTH) or inventory_id
        if channel and channel not in channels:
            cells.problem("channel", f"unknown channel {channel!r}: add it to the channels file")
        if not cells.bad:
            given.append((cells, ListingIds(channel, code, listing_id, inventory_id)))
    duplicates(
        [((ids.channel, ids.inventory_id), c.row.number) for c, ids in given],
        "inventory_id",
        "this channel's inventory id",
        problems,
    )
    known = await import_rows.known_skus({ids.sku for _, ids in given})
    stored = await import_rows.listings_of({ids.channel for _, ids in given})
    plan = Plan()
    new: list[ListingIds] = []
    changed: list[ListingIds] = []
    for cells, ids in given:
        key = (ids.channel, ids.inventory_id)
        if ids.sku not in known:
            cells.problem("sku", f"unknown SKU {ids.sku!r}: import it with `syncbot import skus`")
        elif stored.get(key) == ids:
            plan.unchanged += 1
        else:
            (changed if key in stored else new).append(ids)
    _refuse_if(problems)
    plan.added, plan.changed = len(new), len(changed)

    async def write() -> None:
        await import_rows.put_listings(new, changed)

    plan.writes.append(write)
    return plan
