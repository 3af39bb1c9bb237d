"""The value a posting moves, inside its transaction (`posting`'s step 4b).

Each SKU whose on-hand stock a posting crosses is locked (its `sku` row, in code order,
after the balance rows: the same order in every posting), its stock value and average are
read under that lock, `ledger.costing` values each movement in turn, and the new value and
average are written back before the lock is released. So the value is exact under any
concurrency, like the quantities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum

from syncbot.ledger import Movement, MovementKind
from syncbot.ledger.costing import COST_PLACES, VALUE_PLACES, StockValue, Valuation, direction
from syncbot.store import models
from syncbot.store.sku_list import with_placeholders

_RETURNS = frozenset({MovementKind.RETURN_RESTOCK, MovementKind.RETURN_DAMAGED})


async def value(
    connection: BaseDBAsyncClient,
    postings: Sequence[Sequence[Movement]],
    documents: Sequence[str],
    locked: Mapping[str, StockValue] | None = None,
) -> tuple[list[list[Valuation]], dict[str, StockValue]]:
    """One Valuation per movement of each posting, in order (the postings of a batch in
    turn, each from the state the one before left), and the new state of each SKU whose
    value moved, for the posting's writes to keep. `documents` are the postings' source
    documents; `locked`, each SKU's state as read under its lock (`touched_rows`), or
    None to lock and read the SKUs here."""
    movements = [m for posting in postings for m in posting]
    crossing = sorted({m.sku for m in movements if direction(m)})
    if not crossing:
        return [[Valuation() for _ in posting] for posting in postings], {}
    if locked is None:
        states = await _lock(connection, crossing)
    else:
        states = {code: locked[code] for code in crossing}
    valued: list[list[Valuation]] = []
    for posting, document in zip(postings, documents, strict=True):
        valuations: list[Valuation] = []
        for movement in posting:
            if not direction(movement):
                valuations.append(Valuation())
                continue
            state = states[movement.sku]
            if movement.reverses is not None:
                state, moved = state.reverse(movement, await _original(connection, movement))
            else:
                state, moved = state.apply(movement, await _cost(connection, movement, document))
            states[movement.sku] = state
            valuations.append(moved)
        valued.append(valuations)
    return valued, states


async def _lock(connection: BaseDBAsyncClient, crossing: list[str]) -> dict[str, StockValue]:
    average = models.Sku._meta.fields_map["average_cost"]
    dialect = connection.capabilities.dialect
    # Read as tuples, not models (an import posting of 2,000 receipts locks 2,000 SKUs);
    # FOR UPDATE only on PostgreSQL, as SQLite's transaction already runs alone.
    sql = (
        "SELECT code, on_hand, stock_value, average_cost FROM sku "
        f"WHERE code IN ({', '.join('?' * len(crossing))}) ORDER BY code"
        + (" FOR UPDATE" if dialect == "postgres" else "")
    )
    _, locked = await connection.execute_query(with_placeholders(sql, dialect), crossing)
    # The kept on_hand is read before the postings' totals are kept: the state before them.
    return {
        code: StockValue(on_hand, stock_value, Decimal(average.to_python_value(cost)))
        for code, on_hand, stock_value, cost in locked
    }


async def _original(connection: BaseDBAsyncClient, movement: Movement) -> Valuation:
    row = await models.Movement.filter(id=movement.reverses).using_db(connection).first()
    if row is None:
        return Valuation()
    cost = None if row.unit_cost is None else Decimal(row.unit_cost)
    return Valuation(row.value, cost, row.cost_variance)


async def _cost(connection: BaseDBAsyncClient, movement: Movement, document: str) -> Decimal | None:
    """A restocked return comes back at the cost its order's units left with; anything
    else at its own named cost or the average (None)."""
    if movement.kind not in _RETURNS or not document:
        return None
    left = (
        await models.Movement.filter(
            document=document,
            sku_id=movement.sku,
            kind=MovementKind.ORDER_FULFIL,
            unit_cost__isnull=False,
        )
        .using_db(connection)
        .annotate(left_value=Sum("value"), left_quantity=Sum("quantity"))
        .group_by("sku_id")
        .values_list("left_value", "left_quantity")
    )
    if not left or not left[0][1]:
        return None
    total_value, quantity = left[0]
    cost = (Decimal(-int(total_value)) / int(quantity)).scaleb(-VALUE_PLACES)
    return max(Decimal(0), cost.quantize(Decimal(1).scaleb(-COST_PLACES), ROUND_HALF_EVEN))
