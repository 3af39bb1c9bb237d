"""`import KIND FILE`: check every row of a CSV file, then apply all of it or none of it.

Kinds and their columns are in docs/import-export.md. Stock is posted as receipts through
the posting path (`import_stock`); the catalogue kinds write through the store's catalogue
functions (`import_catalogue`). Every kind is idempotent: the same file imported again
changes nothing. A dry run checks and counts, and writes nothing.

Errors: ImportRefused (a LedgerError) names every bad row and column; nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from enum import StrEnum
from pathlib import Path

from tortoise.transactions import in_transaction

from syncbot.app import import_catalogue, import_stock
from syncbot.app.actor import Actor
from syncbot.app.import_rows import (
    ImportFile,
    ImportRefused,
    ImportReport,
    Problem,
    Progress,
    no_progress,
    read_file,
)

__all__ = ["ImportKind", "ImportRefused", "ImportReport", "Problem", "import_file", "read"]

MAX_ROWS = 1_000_000


class ImportKind(StrEnum):
    SKUS = "skus"
    STOCK = "stock"
    COSTS = "costs"
    BARCODES = "barcodes"
    BUNDLES = "bundles"
    LISTINGS = "listings"


Planner = Callable[[ImportFile, Collection[str], Actor], Awaitable[import_catalogue.Plan]]

_COLUMNS: dict[ImportKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ImportKind.SKUS: (("sku", "name", "reorder_point"), ("sku",)),
    ImportKind.STOCK: (import_stock.COLUMNS, import_stock.REQUIRED),
    ImportKind.COSTS: (
        ("supplier", "sku", "unit_cost", "supplier_sku", "minimum_order_quantity", "case_pack"),
        ("supplier", "sku", "unit_cost"),
    ),
    ImportKind.BARCODES: (("sku", "barcode"), ("sku", "barcode")),
    ImportKind.BUNDLES: (("bundle", "component", "quantity"), ("bundle", "component", "quantity")),
    ImportKind.LISTINGS: (
        ("channel", "sku", "listing_id", "inventory_id"),
        ("channel", "sku", "inventory_id"),
    ),
}
_PLANNERS: dict[ImportKind, Planner] = {
    ImportKind.SKUS: import_catalogue.plan_skus,
    ImportKind.COSTS: import_catalogue.plan_costs,
    ImportKind.BARCODES: import_catalogue.plan_barcodes,
    ImportKind.BUNDLES: import_catalogue.plan_bundles,
    ImportKind.LISTINGS: import_catalogue.plan_listings,
}


def read(kind: ImportKind, path: Path) -> ImportFile:
    """The file's rows under a checked header (before any database is opened); raises
    ImportRefused, or OSError for a file that cannot be read."""
    columns, required = _COLUMNS[kind]
    return read_file(path, columns, required, MAX_ROWS)


async def import_file(
    kind: ImportKind,
    imported: ImportFile,
    actor: Actor,
    *,
    channels: Collection[str] = (),
    dry_run: bool = False,
    progress: Progress = no_progress,
) -> ImportReport:
    """Checks every row, then (unless `dry_run`) applies the file in one transaction.
    `channels` are the configured channel names (for listings)."""
    if kind is ImportKind.STOCK:
        return await import_stock.import_stock(imported, actor, dry_run=dry_run, progress=progress)
    total = len(imported.rows)
    progress("checking", 0, total)
    plan = await _PLANNERS[kind](imported, channels, actor)
    progress("checking", total, total)
    report = ImportReport(
        str(kind),
        imported.name,
        total,
        added=plan.added,
        changed=plan.changed,
        unchanged=plan.unchanged,
        dry_run=dry_run,
    )
    if dry_run or not (plan.added or plan.changed):
        return report
    async with in_transaction():  # the writes' own transactions nest in it as savepoints
        for write in plan.writes:
            await write()
    progress("applying", total, total)
    return report
