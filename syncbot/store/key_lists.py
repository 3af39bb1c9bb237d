"""A list of keys in raw SQL: one array parameter on PostgreSQL, placeholders on SQLite.

On PostgreSQL `column = ANY(?::varchar[])` is one statement text for any number of keys,
so asyncpg prepares it once; `IN (?, ?, ...)` was a new statement to parse and plan at each
length. SQLite has no arrays and prepares a statement cheaply in-process: there the keys
stay placeholders, and a caller with more keys than `CHUNK` splits them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

CHUNK = 500
"""Keys per SQLite statement: it allows 32,766 bound values; stay far below."""


def among(
    column: str, keys: Sequence[object], dialect: str, cast: str = "varchar"
) -> tuple[str, list[object]]:
    """`column` is one of `keys`: the condition, with `?` placeholders, and its parameters.

    `cast` is the array's element type on PostgreSQL (varchar, bigint).
    """
    if dialect == "postgres":
        return f"{column} = ANY(?::{cast}[])", [list(keys)]
    if not keys:  # `IN ()` is not SQL: a condition that holds for no row
        return "1 = 0", []
    return f"{column} IN ({', '.join('?' * len(keys))})", list(keys)


def chunks(keys: Sequence[str], dialect: str) -> Iterable[Sequence[str]]:
    """`keys` as the statements need them: all at once on PostgreSQL, `CHUNK` at a time
    on SQLite (none when there are no keys)."""
    if dialect == "postgres":
        if keys:
            yield keys
        return
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]
