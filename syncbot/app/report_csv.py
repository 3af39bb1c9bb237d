"""A report as CSV text, a few hundred rows at a time: a header row, then one row per
line; text cells go through `sku_pages.csv_cell`, so a spreadsheet never runs a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable

FLUSH = 500


async def csv_text(
    header: Iterable[str], rows: AsyncIterable[Iterable[object]] | Iterable[Iterable[object]]
) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0

    async def each() -> AsyncIterator[Iterable[object]]:
        if isinstance(rows, AsyncIterable):
            async for row in rows:
                yield row
        else:
            for row in rows:
                yield row

    async for row in each():
        writer.writerow(row)
        count += 1
        if count % FLUSH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
