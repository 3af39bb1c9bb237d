"""Opening stock from a CSV file: every row a receipt, posted through the one posting path.

Columns: sku (a SKU code or a barcode, required), quantity (units on hand, a whole number,
0 posts nothing; required), location (default `main`), unit_cost (the receipt's cost; it
sets the moving average cost like any receipt; without it the units come in at the
current average).

Idempotent by the file's content: the whole file is one posting under the key
`import:stock:<sha256 of the file>`, claimed in the same transaction as its movements. A
second import of the same bytes (under any name) finds the key and writes nothing; a
changed file is a new posting of every row. Each movement records the file as its
document (`import/<file name>`) and its row in the reason (`opening stock, row 17`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.app.actor import Actor
from syncbot.app.import_rows import (
    Cells,
    ImportFile,
    ImportRefused,
    ImportReport,
    Problem,
    Progress,
    chunks,
    duplicates,
)
from syncbot.ledger import DEFAULT_LOCATION, Entry, receive
from syncbot.ledger.limits import MAX_LOCATION_LENGTH, MAX_SKU_LENGTH
from syncbot.ledger.movements import MAX_QUANTITY
from syncbot.store import catalogue, import_rows
from syncbot.store.posting import key_taken, post_within
from syncbot.store.recording import PostingResult, Provenance, count_posting, record

COLUMNS = ("sku", "location", "quantity", "unit_cost")
REQUIRED = ("sku", "quantity")
BATCH = 2000
"""Receipts per call of the posting path: its reads and locks go per batch, not per row.
2,000 was faster than 500 (fewer round trips) and keeps each statement's parameters far
below SQLite's and PostgreSQL's limits (a batch locks up to five balance rows a receipt)."""


@dataclass(frozen=True, slots=True)
class Receipt:
    row: int
    sku: str
    location: str
    quantity: int
    unit_cost: Decimal | None


def key_of(imported: ImportFile) -> str:
    return f"import:stock:{imported.sha256}"


async def check(imported: ImportFile, progress: Progress) -> list[Receipt]:
    """Every row as a receipt; ImportRefused naming every bad cell."""
    problems: list[Problem] = []
    read: list[tuple[Cells, str, str, int | None, Decimal | None]] = []
    for done, row in enumerate(imported.rows, 1):
        cells = Cells(row, problems)
        code = cells.text("sku", MAX_SKU_LENGTH, required=True)
        location = cells.text("location", MAX_LOCATION_LENGTH) or DEFAULT_LOCATION
        quantity = cells.whole("quantity", maximum=MAX_QUANTITY)
        if quantity is None and not cells.bad:
            cells.problem("quantity", "is empty: it is required")
        read.append((cells, code, location, quantity, cells.cost("unit_cost")))
        if done % 10_000 == 0:
            progress("checking", done, len(imported.rows))
    named = await import_rows.skus_named({code for _, code, *_ in read if code})
    bundles = await import_rows.bundles_among(set(named.values()))
    locations = set(await catalogue.list_locations())
    receipts: list[Receipt] = []
    for cells, code, location, quantity, cost in read:
        sku = named.get(code)
        if code and sku is None:
            cells.problem("sku", f"unknown SKU {code!r}: import it with `syncbot import skus`")
        elif sku in bundles:
            cells.problem("sku", f"{sku} is a bundle, which holds no stock: receive its parts")
        if location not in locations:
            cells.problem("location", f"unknown location {location!r}: declare it in channels")
        if not cells.bad and sku is not None and quantity is not None:
            receipts.append(Receipt(cells.row.number, sku, location, quantity, cost))
    keyed = [((receipt.sku, receipt.location), receipt.row) for receipt in receipts]
    duplicates(keyed, "sku", "this SKU at this location", problems)
    progress("checking", len(imported.rows), len(imported.rows))
    if problems:
        raise ImportRefused(problems)
    return receipts


async def import_stock(
    imported: ImportFile, actor: Actor, *, dry_run: bool, progress: Progress
) -> ImportReport:
    """Checks every row, then posts every receipt in one transaction, or nothing."""
    receipts = await check(imported, progress)
    report = ImportReport("stock", imported.name, len(imported.rows), dry_run=dry_run)
    entries = [_entry(receipt) for receipt in receipts if receipt.quantity]
    report.unchanged = len(receipts) - len(entries)
    key = key_of(imported)
    async with in_transaction() as connection:
        if await key_taken(connection, key):
            report.already = f"this file (sha256 {imported.sha256[:12]}…) was imported before"
            report.unchanged = len(receipts)
            return report
    report.added = len(entries)
    if dry_run or not entries:
        return report
    provenance = Provenance(actor=actor.encode(), document=f"import/{imported.name}")
    results: list[PostingResult] = []
    try:
        async with in_transaction() as connection:
            done = 0
            for batch in chunks(entries, BATCH):
                if not results:
                    results.append(
                        await post_within(
                            connection,
                            batch,
                            key=key,
                            digest=imported.sha256,
                            provenance=provenance,
                        )
                    )
                else:
                    results.append(
                        await record(
                            connection, batch, provenance, posting=results[0].posting, key=key
                        )
                    )
                done += len(batch)
                progress("applying", done, len(entries))
    except IntegrityError:  # a twin import claimed the key first: it is imported
        report.already = "the same file was imported at the same moment by someone else"
        report.added, report.unchanged = 0, len(receipts)
        return report
    for result in results:
        count_posting(result)
    return report


def _entry(receipt: Receipt) -> Entry:
    return receive(
        receipt.sku,
        receipt.quantity,
        receipt.location,
        f"opening stock, row {receipt.row}",
        unit_cost=receipt.unit_cost,
    )
