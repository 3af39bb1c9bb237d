"""What an import reads about many rows at once, and the catalogue rows it writes in bulk.

Reads go by CHUNK codes per IN list (under SQLite's and asyncpg's limits on bound
parameters), so checking 100,000 rows is a few dozen queries, not 100,000. Stock is never
written here: opening stock goes through `posting`, like every other movement.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from syncbot.store import models, sync_models
from syncbot.store.bundle_models import Bundle
from syncbot.store.purchasing_models import Supplier, SupplierItem

CHUNK = 5_000


def _chunks(codes: Collection[str]) -> Iterable[list[str]]:
    ordered = sorted(set(codes))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class SkuFields:
    code: str
    name: str
    reorder_point: int | None


async def sku_fields(codes: Collection[str]) -> dict[str, SkuFields]:
    """The stored name and reorder point of those of `codes` that are SKUs."""
    found: dict[str, SkuFields] = {}
    for chunk in _chunks(codes):
        for code, name, reorder_point in await models.Sku.filter(code__in=chunk).values_list(
            "code", "name", "reorder_point"
        ):
            found[code] = SkuFields(code, name, reorder_point)
    return found


async def skus_named(codes: Collection[str]) -> dict[str, str]:
    """The SKU each of `codes` names: a SKU code itself, else the SKU its barcode names; a
    code that names neither is left out (`barcodes.resolve`, many at once)."""
    named = {code: code for code in await known_skus(codes)}
    named.update(await barcode_holders([code for code in codes if code not in named]))
    return named


async def known_skus(codes: Collection[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(codes):
        found.update(
            str(code)
            for code in await models.Sku.filter(code__in=chunk).values_list("code", flat=True)
        )
    return found


async def bundles_among(codes: Collection[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(codes):
        found.update(
            str(code)
            for code in await Bundle.filter(sku_id__in=chunk).values_list("sku_id", flat=True)
        )
    return found


async def barcode_holders(barcodes: Collection[str]) -> dict[str, str]:
    """The SKU holding each of `barcodes` that is held."""
    held: dict[str, str] = {}
    for chunk in _chunks(barcodes):
        for barcode, sku in await models.SkuBarcode.filter(barcode__in=chunk).values_list(
            "barcode", "sku_id"
        ):
            held[str(barcode)] = str(sku)
    return held


async def parked_skus(codes: Collection[str]) -> set[str]:
    """Those of `codes` that order lines are parked for."""
    found: set[str] = set()
    for chunk in _chunks(codes):
        found.update(
            str(code)
            for code in await models.ParkedLine.filter(sku__in=chunk)
            .distinct()
            .values_list("sku", flat=True)
        )
    return found


async def add_skus(rows: Sequence[SkuFields], batch: int = 1_000) -> None:
    """Inserts new SKUs in batches, inside the caller's transaction. Only for codes with no
    parked order lines: those are added one by one, applying their lines
    (`catalogue.add_sku`)."""
    for start in range(0, len(rows), batch):
        await models.Sku.bulk_create(
            [
                models.Sku(code=row.code, name=row.name, reorder_point=row.reorder_point)
                for row in rows[start : start + batch]
            ]
        )


async def update_skus(rows: Sequence[SkuFields]) -> None:
    """Sets the name and reorder point of existing SKUs."""
    for row in rows:
        await models.Sku.filter(code=row.code).update(
            name=row.name, reorder_point=row.reorder_point
        )


async def add_barcodes(rows: Sequence[tuple[str, str, str]], batch: int = 1_000) -> None:
    """Inserts (barcode, sku, kind) rows checked beforehand, in batches."""
    for start in range(0, len(rows), batch):
        await models.SkuBarcode.bulk_create(
            [
                models.SkuBarcode(barcode=barcode, sku_id=sku, kind=kind)
                for barcode, sku, kind in rows[start : start + batch]
            ]
        )


async def supplier_names(names: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(names):
        for name, supplier_id in await Supplier.filter(name__in=chunk).values_list("name", "id"):
            found[str(name)] = int(supplier_id)
    return found


@dataclass(frozen=True, slots=True)
class SupplierTerms:
    supplier_sku: str
    minimum_order_quantity: int
    case_pack: int
    last_unit_cost: Decimal | None


async def supplier_terms(supplier_ids: Collection[int]) -> dict[tuple[int, str], SupplierTerms]:
    """Every stored (supplier id, SKU) term of these suppliers."""
    terms: dict[tuple[int, str], SupplierTerms] = {}
    for supplier_id in sorted(set(supplier_ids)):
        for sku, supplier_sku, minimum, case_pack, cost in await SupplierItem.filter(
            supplier_id=supplier_id
        ).values_list(
            "sku_id", "supplier_sku", "minimum_order_quantity", "case_pack", "last_unit_cost"
        ):
            terms[(supplier_id, str(sku))] = SupplierTerms(
                supplier_sku or "",
                int(minimum or 0),
                int(case_pack or 1),
                None if cost is None else Decimal(cost),
            )
    return terms


@dataclass(frozen=True, slots=True)
class ListingIds:
    channel: str
    sku: str
    listing_id: str
    inventory_id: str


async def listings_of(channels: Collection[str]) -> dict[tuple[str, str], ListingIds]:
    """Every listing of these channels, by (channel, inventory id)."""
    found: dict[tuple[str, str], ListingIds] = {}
    for channel in sorted(set(channels)):
        for sku, listing_id, inventory_id in await sync_models.ChannelListing.filter(
            channel=channel
        ).values_list("sku", "listing_id", "inventory_id"):
            found[(channel, inventory_id)] = ListingIds(channel, sku, listing_id, inventory_id)
    return found


async def put_listings(
    new: Sequence[ListingIds], changed: Sequence[ListingIds], batch: int = 1_000
) -> None:
    """Adds the `new` listings in batches, and gives each `changed` one (by channel and
    inventory id) its SKU and listing id, inside the caller's transaction."""
    for start in range(0, len(new), batch):
        await sync_models.ChannelListing.bulk_create(
            [
                sync_models.ChannelListing(
                    channel=row.channel,
                    sku=row.sku,
                    listing_id=row.listing_id,
                    inventory_id=row.inventory_id,
                )
                for row in new[start : start + batch]
            ]
        )
    for row in changed:
        await sync_models.ChannelListing.filter(
            channel=row.channel, inventory_id=row.inventory_id
        ).update(sku=row.sku, listing_id=row.listing_id)


async def add_supplier_items(
    rows: Sequence[tuple[int, str, SupplierTerms]], batch: int = 1_000
) -> None:
    """Inserts new (supplier id, SKU) terms checked beforehand, in batches."""
    for start in range(0, len(rows), batch):
        await SupplierItem.bulk_create(
            [
                SupplierItem(
                    supplier_id=supplier_id,
                    sku_id=sku,
                    supplier_sku=terms.supplier_sku,
                    minimum_order_quantity=terms.minimum_order_quantity,
                    case_pack=terms.case_pack,
                    last_unit_cost=terms.last_unit_cost,
                )
                for supplier_id, sku, terms in rows[start : start + batch]
            ]
        )
