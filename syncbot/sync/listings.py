"""Listing discovery: which of a channel's SKUs syncbot knows, the ids to push them by, and
the barcodes the channel gives them (imported, never overwriting one: a conflict is
reported)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from connectors.base import Connector, Listing
from syncbot.ledger import ValidationError
from syncbot.store import listings as store
from syncbot.store.barcodes import Barcode, ImportConflict, import_barcodes
from syncbot.store.catalogue import add_sku_applying_parked, known_skus


@dataclass(slots=True)
class DiscoveryReport:
    listings: int = 0
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    """SKUs listed more than once, with their listing ids: a person must choose."""
    unknown: list[str] = field(default_factory=list)
    """SKUs the channel lists that syncbot's catalogue lacks (or could not take)."""
    created: list[str] = field(default_factory=list)
    without_sku: int = 0
    barcodes_added: list[Barcode] = field(default_factory=list)
    barcode_conflicts: list[ImportConflict] = field(default_factory=list)
    """Barcodes not taken: held by another SKU, a wrong check digit, a malformed code."""
    managed: list[str] = field(default_factory=list)
    """SKUs whose listing the storefront manages itself (a Shopify bundle product): stored
    and shown, never pushed; their components are pushed as usual."""


async def discover(connector: Connector, *, create_skus: bool = False) -> DiscoveryReport:
    """Replaces the channel's stored listings with what it lists now, and reports on them."""
    found = await connector.listings()
    report = DiscoveryReport(without_sku=sum(1 for item in found if not item.sku))
    by_sku: dict[str, list[Listing]] = defaultdict(list)
    for item in found:
        if item.sku:
            by_sku[item.sku].append(item)
    report.duplicates = {
        sku: [item.listing_id for item in items]
        for sku, items in sorted(by_sku.items())
        if len(items) > 1
    }
    known = await known_skus(by_sku)
    report.unknown = sorted(set(by_sku) - known)
    if create_skus:
        for sku in list(report.unknown):
            try:
                await add_sku_applying_parked(sku)
            except ValidationError:  # a code syncbot cannot take (a space, say): report it
                continue
            report.created.append(sku)
            report.unknown.remove(sku)
    # A duplicated SKU is not stored: pushing to one of its listings would be a guess.
    usable = {items[0].inventory_id: items[0] for items in by_sku.values() if len(items) == 1}
    await store.replace_listings(connector.name, usable)
    report.listings = len(usable)
    report.managed = sorted(item.sku for item in usable.values() if item.managed_by_storefront)
    # Barcodes name a SKU, not a listing: a duplicated SKU's are as good as any.
    in_catalogue = known | set(report.created)
    offered = [
        (sku, barcode)
        for sku, items in by_sku.items()
        if sku in in_catalogue
        for item in items
        for barcode in item.barcodes
    ]
    if offered:
        imported = await import_barcodes(offered)
        report.barcodes_added = imported.added
        report.barcode_conflicts = imported.conflicts
    return report
