"""The catalogue as a list: search, sort, low-stock filter and pages, from the SKU rows'
own totals (never a sum over balances), in SQL written once for both backends.

Every sort is `<column>, code` in one direction, and each has a composite index ending in
`code` (migration 0013), so a page reads its rows in index order. Search matches a code or
name containing the text (case-insensitive; a prefix is a substring too) or a barcode
equal to it; on PostgreSQL the substring parts use trigram indexes on `lower(...)`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

# The sort keys the list takes (`-key` for descending) and the column each sorts on.
SORTS = {
    "code": "code",
    "name": "name",
    "available": "available",
    "on_hand": "on_hand",
    "incoming": "incoming",
    "reorder_point": "reorder_point",
}
_COLUMNS = "code, name, available, on_hand, incoming, reorder_point"
EXPORT_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class SkuRow:
    code: str
    name: str
    available: int
    on_hand: int
    incoming: int
    reorder_point: int | None

    @property
    def low(self) -> bool:
        return self.reorder_point is not None and self.available <= self.reorder_point


@dataclass(frozen=True, slots=True)
class SkuQuery:
    """What the list shows: `text` searched, sorted by `sort` (a key of SORTS),
    `descending`, and only SKUs at or below their reorder point when `low`."""

    text: str = ""
    sort: str = "code"
    descending: bool = False
    low: bool = False


def _like(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# PostgreSQL: a UNION of the three matches, so each uses its own index (the trigram
# indexes on lower(code) and lower(name), the barcode's unique index).
_SEARCH_POSTGRES = (
    "code IN (SELECT code FROM sku WHERE lower(code) LIKE ? ESCAPE '\\' "
    "UNION SELECT code FROM sku WHERE lower(name) LIKE ? ESCAPE '\\' "
    "UNION SELECT sku_id FROM sku_barcode WHERE barcode = ?)"
)
# SQLite has no index for a substring: one pass over the rows, in the list's order, that
# stops at the page's last match. Its LIKE ignores ASCII case by itself.
_SEARCH_SQLITE = (
    "(code LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' "
    "OR code IN (SELECT sku_id FROM sku_barcode WHERE barcode = ?))"
)


def _where(query: SkuQuery, dialect: str) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if query.text:
        clauses.append(_SEARCH_POSTGRES if dialect == "postgres" else _SEARCH_SQLITE)
        params += [_like(query.text), _like(query.text), query.text]
    if query.low:
        clauses.append("reorder_point IS NOT NULL AND available <= reorder_point")
    return clauses, params


def _order(query: SkuQuery) -> str:
    column = SORTS[query.sort]
    direction = "DESC" if query.descending else "ASC"
    # NULL reorder points come last either way, the same on both backends.
    nulls = " NULLS LAST" if column == "reorder_point" else ""
    return f"{column} {direction}{nulls}, code {direction}"


def with_placeholders(sql: str, dialect: str) -> str:
    """`?` placeholders as the backend's driver wants them ($1, $2… for asyncpg)."""
    return _numbered(sql) if dialect == "postgres" else sql


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """Cached: the hot paths send the same few statement texts (a posting's writes are one
    of 2,000 characters) thousands of times a second."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


async def _rows(sql: str, params: Sequence[Any]) -> list[SkuRow]:
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    _, found = await connection.execute_query(with_placeholders(sql, dialect), params)
    return [
        SkuRow(
            row["code"],
            row["name"],
            int(row["available"]),
            int(row["on_hand"]),
            int(row["incoming"]),
            None if row["reorder_point"] is None else int(row["reorder_point"]),
        )
        for row in found
    ]


async def page(query: SkuQuery, limit: int, offset: int) -> list[SkuRow]:
    """Up to `limit` SKUs of the list, from `offset`."""
    clauses, params = _where(query, _dialect())
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    # The offset is walked in the inner query, which reads only the sort's index (each
    # ends in `code`): a deep page then skips index entries, not whole rows.
    order = _order(query)
    sql = (
        f"SELECT {_COLUMNS} FROM sku WHERE code IN "
        f"(SELECT code FROM sku{where} ORDER BY {order} LIMIT ? OFFSET ?) ORDER BY {order}"
    )
    return await _rows(sql, [*params, limit, offset])


def _after(query: SkuQuery, last: SkuRow) -> tuple[str, list[Any]]:
    """The rows after `last` in the list's order (keyset), NULL reorder points last."""
    column = SORTS[query.sort]
    value = getattr(last, column)
    beyond = "<" if query.descending else ">"
    if column == "code":
        return f"code {beyond} ?", [last.code]
    if value is None:  # only reorder_point is nullable: the NULLs come last, by code
        return f"({column} IS NULL AND code {beyond} ?)", [last.code]
    tail = f" OR {column} IS NULL" if column == "reorder_point" else ""
    return (
        f"({column} {beyond} ? OR ({column} = ? AND code {beyond} ?){tail})",
        [value, value, last.code],
    )


async def every(query: SkuQuery, chunk: int = EXPORT_CHUNK) -> AsyncIterator[SkuRow]:
    """Every SKU of the list, in its order, read `chunk` rows at a time by keyset, so an
    export of 100k SKUs never holds them all nor re-reads an offset."""
    last: SkuRow | None = None
    while True:
        clauses, params = _where(query, _dialect())
        if last is not None:
            clause, more = _after(query, last)
            clauses.append(clause)
            params += more
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT {_COLUMNS} FROM sku{where} ORDER BY {_order(query)} LIMIT ?"
        rows = await _rows(sql, [*params, chunk])
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        last = rows[-1]
