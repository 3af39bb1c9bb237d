"""`export KIND`: SKUs, stock, movements or the valuation, streamed as CSV or JSON lines.

Rows come a page at a time from `store.exports` (or the valuation's own chunked reader)
and are written as they come, so an export of millions of movements holds one page in
memory. Money is written as text with its exact decimals: a float would round it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from syncbot.app import valuation
from syncbot.app.sku_pages import csv_cell
from syncbot.ledger import Quantities
from syncbot.ledger.costing import format_money
from syncbot.store import exports as store_exports


class ExportKind(StrEnum):
    SKUS = "skus"
    STOCK = "stock"
    MOVEMENTS = "movements"
    VALUATION = "valuation"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


# The file's columns are the store's, each named as a merchant knows it: the SKU by its
# code, never by the database's key (the store reads `code` and `sku_id` as codes).
_RENAMED = {"code": "sku", "sku_id": "sku"}
SKU_HEADER = tuple(_RENAMED.get(c, c) for c in store_exports.SKU_COLUMNS)
STOCK_HEADER = ("sku", "location", "on_hand", "available", "committed", "damaged", "incoming")
MOVEMENT_HEADER = tuple(_RENAMED.get(c, c) for c in store_exports.MOVEMENT_COLUMNS)
HEADERS: dict[ExportKind, Sequence[str]] = {
    ExportKind.SKUS: SKU_HEADER,
    ExportKind.STOCK: STOCK_HEADER,
    ExportKind.MOVEMENTS: MOVEMENT_HEADER,
    ExportKind.VALUATION: valuation.VALUATION_HEADER,
}

Row = tuple[Any, ...]
_TEXT = frozenset({"sku", "name", "reason", "actor", "document"})


async def count(kind: ExportKind, since: datetime | None) -> int:
    """About how many rows the export writes: a progress bar's total."""
    return await store_exports.count(str(kind), since)


async def pages(
    kind: ExportKind, since: datetime | None, currency: str
) -> AsyncIterator[list[Row]]:
    """The export's rows, a page at a time, in HEADERS[kind]'s order. `since` keeps
    movements that occurred, and SKUs created, at or after it; stock and the valuation are
    as they stand now."""
    if kind is ExportKind.SKUS:
        async for page in store_exports.sku_pages(since):
            yield [(*row[:7], _value(row[7], currency), row[8]) for row in page]
    elif kind is ExportKind.MOVEMENTS:
        async for page in store_exports.movement_pages(since):
            yield [
                (*row[:14], _value(row[14], currency), _value(row[15], currency), *row[16:])
                for row in page
            ]
    elif kind is ExportKind.STOCK:
        async for stock in store_exports.stock_pages():
            yield [(sku, location, held.on_hand, *_buckets(held)) for sku, location, held in stock]
    else:
        lines: list[Row] = []
        async for line in valuation.valuation_lines(None, None):
            lines.append(valuation.valuation_row(line, currency))
            if len(lines) >= store_exports.PAGE:
                yield lines
                lines = []
        if lines:
            yield lines


def _buckets(held: Quantities) -> tuple[int, int, int, int]:
    return held.available, held.committed, held.damaged, held.incoming


def _value(millionths: int, currency: str) -> str:
    return format_money(millionths, currency)


def _plain(value: object) -> object:
    """A cell as JSON holds it: times in ISO 8601, decimals and ids as exact text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def writer(kind: ExportKind, output_format: ExportFormat) -> Callable[[list[Row]], str]:
    """Turns a page into text: CSV rows (after a header, written once) or JSON lines."""
    header = HEADERS[kind]
    if output_format is ExportFormat.JSONL:

        def jsonl(page: list[Row]) -> str:
            return "".join(
                json.dumps(dict(zip(header, map(_plain, row), strict=True))) + "\n" for row in page
            )

        return jsonl
    started = False
    # Free text a person typed is made formula-safe; numbers (a negative value) stay data.
    typed = [name in _TEXT for name in header]

    def as_csv(page: list[Row]) -> str:
        nonlocal started
        buffer = io.StringIO()
        out = csv.writer(buffer)
        if not started:
            out.writerow(header)
            started = True
        out.writerows(
            [
                [
                    csv_cell(cell) if text else _plain(cell)
                    for cell, text in zip(row, typed, strict=True)
                ]
                for row in page
            ]
        )
        return buffer.getvalue()

    return as_csv


def header_csv(kind: ExportKind) -> str:
    """The CSV header alone: what an export of no rows writes."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(HEADERS[kind])
    return buffer.getvalue()
