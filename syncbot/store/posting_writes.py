"""A posting's writes, sent together once its movements are resolved: step 4 and 5 of
`posting`'s contract, after the guarded movements.

Every row is already locked (`touched_rows`), so the writes wait for nothing and their
order does not matter to the database: the balance increments (summed per row), each
SKU's totals and value, the day's demand, the movements and the events (the outbox).

On PostgreSQL they are one statement, each table's rows one JSON parameter: the
statement's text is the same for one posting and for a batch of fifty, prepared once,
and the database runs one statement per table rather than one per row. On SQLite, which
runs in-process, each table's rows go as one batch of statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from syncbot.ledger import Movement, total_changes
from syncbot.ledger.costing import StockValue
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders


@dataclass(slots=True)
class Writes:
    """What a posting (or a batch of them) writes, as rows of parameters."""

    legs: list[list[int]] = field(default_factory=list)
    """Balance increments: [change, balance row id]."""
    movements: Sequence[Movement] = ()
    """For each SKU's totals."""
    values: dict[str, StockValue] = field(default_factory=dict)
    demand: list[list[object]] = field(default_factory=list)
    movement_rows: list[list[object]] = field(default_factory=list)
    event_rows: list[list[object]] = field(default_factory=list)

    async def send(self, connection: BaseDBAsyncClient) -> None:
        if connection.capabilities.dialect == "postgres":
            await self._send_postgres(connection)
        else:
            await self._send_each(connection)

    def _increments(self) -> list[list[object]]:
        summed: dict[int, int] = defaultdict(int)
        for change, row_id in self.legs:
            summed[row_id] += change
        return [[change, row_id] for row_id, change in sorted(summed.items()) if change]

    def _skus(self) -> list[list[object]]:
        """Each SKU's totals changes, with its new value and average where it moved:
        [code, available, on hand, incoming, value or None, average or None]."""
        totals = total_changes(self.movements)
        average = models.Sku._meta.fields_map["average_cost"]
        rows: list[list[object]] = []
        for code in sorted(totals.keys() | self.values.keys()):
            change = totals.get(code)
            state = self.values.get(code)
            rows.append(
                [
                    code,
                    *((change.available, change.on_hand, change.incoming) if change else (0, 0, 0)),
                    None if state is None else state.value,
                    None if state is None else average.to_db_value(state.average, models.Sku),
                ]
            )
        return rows

    async def _send_postgres(self, connection: BaseDBAsyncClient) -> None:
        tables = (
            self._increments(),
            self._skus(),
            self.demand,
            self.movement_rows,
            self.event_rows,
        )
        # orjson encodes a table's rows in C; `str` for what JSON has no type for (Decimal).
        params = [orjson.dumps(rows, default=str).decode() for rows in tables]
        # Imported here: asyncpg is there only with the postgres extra.
        from syncbot.store.postgres_engine import OwnTransaction

        if isinstance(connection, OwnTransaction):  # a posting's: this is its last statement
            await connection.finish(*PREPARED, params)
        else:
            await connection.execute_query(_POSTGRES, params)

    async def _send_each(self, connection: BaseDBAsyncClient) -> None:
        dialect = connection.capabilities.dialect
        for sql, rows in (
            (_INCREMENT, self._increments()),
            (_KEEP_SKU, [[*row[1:], row[0]] for row in self._skus()]),
            (_UPSERT_DEMAND, self.demand),
            (_INSERT_MOVEMENT, self.movement_rows),
            (_INSERT_EVENT, self.event_rows),
        ):
            if rows:
                await connection.execute_many(with_placeholders(sql, dialect), rows)


_INCREMENT = "UPDATE balance SET quantity = quantity + ? WHERE id = ?"
_KEEP_SKU = (
    "UPDATE sku SET available = available + ?, on_hand = on_hand + ?, "
    "incoming = incoming + ?, stock_value = COALESCE(?, stock_value), "
    "average_cost = COALESCE(?, average_cost) WHERE code = ?"
)
_UPSERT_DEMAND = (
    "INSERT INTO daily_demand (sku_id, location, channel, day, units) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (sku_id, location, channel, day) "
    "DO UPDATE SET units = daily_demand.units + excluded.units"
)
# Every column of a movement but its id, with its type for PostgreSQL's arrays.
_MOVEMENT = (
    ("posting", "uuid"),
    ("idempotency_key", "varchar"),
    ("kind", "varchar"),
    ("sku_id", "varchar"),
    ("quantity", "bigint"),
    ("source_location", "varchar"),
    ("source_bucket", "varchar"),
    ("destination_location", "varchar"),
    ("destination_bucket", "varchar"),
    ("reason", "varchar"),
    ("forced", "boolean"),
    ("counted_on_hand", "bigint"),
    ("reverses", "bigint"),
    ("actor", "varchar"),
    ("document", "varchar"),
    ("unit_cost", "numeric"),
    ("value", "bigint"),
    ("cost_variance", "bigint"),
    ("occurred_at", "timestamptz"),
    ("recorded_at", "timestamptz"),
)
_MOVEMENT_COLUMNS = len(_MOVEMENT)
_MOVEMENT_INTO = f"movement ({', '.join(column for column, _ in _MOVEMENT)})"
_INSERT_MOVEMENT = f"INSERT INTO {_MOVEMENT_INTO} VALUES ({', '.join('?' * _MOVEMENT_COLUMNS)})"
_INSERT_EVENT = "INSERT INTO outbox_event (name, sku, payload, created_at) VALUES (?, ?, ?, ?)"


def _rows(number: int, types: Sequence[str]) -> str:
    """The rows of JSON parameter `number`, an array of arrays, as typed columns c0, c1…

    As jsonb, parsed once: `->>` on a `json` value parses its text again for each column,
    twenty times for a movement's row, where a jsonb array's element is an offset away.
    That was 0.02-0.04 ms of the database's 0.57-0.59 ms of CPU per single posting
    (docs/benchmarks.md, "4 December: three round trips and one parse")."""
    columns = ", ".join(f"(r->>{i})::{kind} AS c{i}" for i, kind in enumerate(types))
    return f"SELECT {columns} FROM jsonb_array_elements(${number}::jsonb) AS r"


# Each table's rows come as one JSON parameter (an array of rows): the statement's text is
# the same for one posting and for a batch of fifty, and encoding one string costs the
# client less than typed arrays, whose elements asyncpg checks one by one.
_POSTGRES = (
    "WITH legs AS (UPDATE balance SET quantity = balance.quantity + v.c0 "
    f"FROM ({_rows(1, ('bigint', 'bigint'))}) AS v WHERE balance.id = v.c1), "
    "totals AS (UPDATE sku SET available = sku.available + v.c1, "
    "on_hand = sku.on_hand + v.c2, incoming = sku.incoming + v.c3, "
    "stock_value = COALESCE(v.c4, sku.stock_value), "
    "average_cost = COALESCE(v.c5, sku.average_cost) "
    f"FROM ({_rows(2, ('varchar', 'bigint', 'bigint', 'bigint', 'bigint', 'numeric'))}) AS v "
    "WHERE sku.code = v.c0), "
    "demand AS (INSERT INTO daily_demand (sku_id, location, channel, day, units) "
    f"{_rows(3, ('varchar', 'varchar', 'varchar', 'date', 'bigint'))} "
    "ON CONFLICT (sku_id, location, channel, day) "
    "DO UPDATE SET units = daily_demand.units + excluded.units), "
    f"moved AS (INSERT INTO {_MOVEMENT_INTO} {_rows(4, [kind for _, kind in _MOVEMENT])}) "
    "INSERT INTO outbox_event (name, sku, payload, created_at) "
    f"{_rows(5, ('varchar', 'varchar', 'jsonb', 'timestamptz'))}"
)
# Its name and text as a statement prepared on each connection, for a transaction of a
# posting's own, where it goes in one message with the COMMIT (`postgres_engine`).
PREPARED = ("syncbot_posting_writes", _POSTGRES)
