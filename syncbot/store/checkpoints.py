"""Verify's checkpoints: where a clean replay ended, and whether the ledger below it is unchanged.

Movements are append-only (database triggers refuse UPDATE and DELETE), so the balances a
clean replay reached at movement N stay right for as long as movements 1..N are the same
rows. A checkpoint keeps what lets one aggregate query check that: the count of those
movements and the sums of their ids, quantities and values. A movement removed, added late
below N (a PostgreSQL transaction that took its id before the checkpoint and committed
after it) or with a changed quantity or value changes one of them, and verify replays in
full instead. What the check cannot see is a movement's buckets or locations rewritten
with its quantity kept, behind the triggers' back: `verify --full` proves those too.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count, Sum

from syncbot.store import models
from syncbot.store.checkpoint_models import LedgerCheckpoint

BalanceKey = tuple[str, str, str]  # sku, location, bucket


@dataclass(frozen=True, slots=True)
class Coverage:
    """The movements 1..last_movement, summed: what a checkpoint is checked against."""

    last_movement: int = 0
    movements: int = 0
    id_sum: int = 0
    quantity_sum: int = 0
    value_sum: int = 0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    coverage: Coverage
    balances: dict[BalanceKey, int]
    values: dict[str, int]


async def latest(connection: BaseDBAsyncClient) -> Checkpoint | None:
    """The checkpoint covering the most movements; None when verify never ran clean."""
    row = (
        await LedgerCheckpoint.all().using_db(connection).order_by("-last_movement", "-id").first()
    )
    if row is None:
        return None
    state = json.loads(zlib.decompress(row.state))
    balances = {(sku, location, bucket): int(q) for sku, location, bucket, q in state["balances"]}
    values = {sku: int(value) for sku, value in state["values"].items()}
    coverage = Coverage(
        row.last_movement, row.movements, row.id_sum, row.quantity_sum, row.value_sum
    )
    return Checkpoint(coverage, balances, values)


async def ledger_coverage(connection: BaseDBAsyncClient, last_movement: int) -> Coverage:
    """The count and sums of movements 1..last_movement, as the ledger holds them now.

    One aggregate over the movement table: on PostgreSQL a sequential scan, seconds for
    tens of millions of rows, where a replay takes minutes.
    """
    found: Any = (
        await models.Movement.filter(id__lte=last_movement)
        .using_db(connection)
        .annotate(
            movements=Count("id"),
            id_sum=Sum("id"),
            quantity_sum=Sum("quantity"),
            value_sum=Sum("value"),
        )
        .first()
        .values("movements", "id_sum", "quantity_sum", "value_sum")
    )
    return Coverage(
        last_movement,
        int(found["movements"] or 0),
        int(found["id_sum"] or 0),
        int(found["quantity_sum"] or 0),
        int(found["value_sum"] or 0),
    )


async def save(coverage: Coverage, balances: dict[BalanceKey, int], values: dict[str, int]) -> None:
    """Keeps the state a clean replay reached, and drops the checkpoints it supersedes."""
    state = {
        "balances": [[*key, quantity] for key, quantity in sorted(balances.items()) if quantity],
        "values": {sku: value for sku, value in sorted(values.items()) if value},
    }
    await LedgerCheckpoint.create(
        last_movement=coverage.last_movement,
        movements=coverage.movements,
        id_sum=coverage.id_sum,
        quantity_sum=coverage.quantity_sum,
        value_sum=coverage.value_sum,
        state=zlib.compress(json.dumps(state, separators=(",", ":")).encode()),
    )
    await LedgerCheckpoint.filter(last_movement__lt=coverage.last_movement).delete()
