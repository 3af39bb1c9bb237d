"""Rows per second of `import` (per kind) and `export`, through the use cases the CLI calls.

    python bench/import_export.py [--rows 100000] [--postgres URL]

On a scratch database (SQLite by default; PostgreSQL with --postgres, a database it may
empty) it writes CSV files of ROWS rows and imports them in order: skus, barcodes, stock
(opening stock at two locations, at cost: ROWS receipts through the posting path), costs
and listings; then imports the stock file again (the idempotent no-op), and exports skus,
stock and movements as CSV to /dev/null. It prints one line per step: rows, seconds,
rows per second. The target: 100,000 rows of each kind imported in under 60 s on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_database

from syncbot.app import exports, imports, purchasing
from syncbot.app.actor import Actor
from syncbot.app.exports import ExportFormat, ExportKind
from syncbot.app.imports import ImportKind
from syncbot.config import DEFAULT_CURRENCY

ACTOR = Actor.cli("bench")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def files(folder: Path, rows: int) -> dict[ImportKind, Path]:
    codes = [f"SKU-{n:07d}" for n in range(rows)]
    texts = {
        ImportKind.SKUS: "sku,name,reorder_point\n"
        + "".join(f"{code},Item {n},{n % 50}\n" for n, code in enumerate(codes)),
        ImportKind.BARCODES: "sku,barcode\n"
        + "".join(f"{code},BC{n:09d}\n" for n, code in enumerate(codes)),
        ImportKind.STOCK: "sku,location,quantity,unit_cost\n"
        + "".join(
            f"{code},{'main' if n % 2 else 'east'},{1 + n % 40},{1 + n % 9}.25\n"
            for n, code in enumerate(codes)
        ),
        ImportKind.COSTS: "supplier,sku,unit_cost\n"
        + "".join(f"Acme,{code},{1 + n % 9}.50\n" for n, code in enumerate(codes)),
        ImportKind.LISTINGS: "channel,sku,inventory_id\n"
        + "".join(f"shop,{code},inv-{n}\n" for n, code in enumerate(codes)),
    }
    paths = {}
    for kind, text in texts.items():
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text(text, encoding="utf-8")
    return paths


async def timed_import(kind: ImportKind, path: Path, label: str = "") -> None:
    started = time.perf_counter()
    imported = imports.read(kind, path)
    report = await imports.import_file(kind, imported, ACTOR, channels=["shop"])
    seconds = time.perf_counter() - started
    rows = len(imported.rows)
    rate = rows / seconds
    print(
        f"import {label or kind:<16} {rows:>9,} rows {seconds:7.1f} s {rate:>9,.0f} rows/s"
        f"  (added {report.added:,}, unchanged {report.unchanged:,})",
        flush=True,
    )


async def timed_export(kind: ExportKind) -> None:
    started = time.perf_counter()
    write = exports.writer(kind, ExportFormat.CSV)
    rows = written = 0
    async for page in exports.pages(kind, None, DEFAULT_CURRENCY):
        written += len(write(page))  # formatted as the CLI does, then dropped
        rows += len(page)
    seconds = time.perf_counter() - started
    print(
        f"export {kind:<16} {rows:>9,} rows {seconds:7.1f} s {rows / seconds:>9,.0f} rows/s"
        f"  ({written / 1e6:,.1f} MB of CSV)",
        flush=True,
    )


async def main(rows: int, postgres: str | None) -> None:
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"{backend}, {rows:,} rows per file", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        paths = files(Path(folder), rows)
        async with scratch_database(postgres, ["main", "east"]):
            await purchasing.add_supplier("Acme")
            for kind in (
                ImportKind.SKUS,
                ImportKind.BARCODES,
                ImportKind.STOCK,
                ImportKind.COSTS,
                ImportKind.LISTINGS,
            ):
                await timed_import(kind, paths[kind])
            await timed_import(ImportKind.STOCK, paths[ImportKind.STOCK], "stock (again)")
            await timed_import(ImportKind.SKUS, paths[ImportKind.SKUS], "skus (again)")
            for export_kind in (ExportKind.SKUS, ExportKind.STOCK, ExportKind.MOVEMENTS):
                await timed_export(export_kind)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a scratch PostgreSQL database: it is emptied")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.postgres))
