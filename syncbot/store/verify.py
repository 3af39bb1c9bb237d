"""Proof that the balance table is the ledger: replay the movements and compare.

The replay starts from verify's last checkpoint when the movements it covers are unchanged
(syncbot.store.checkpoints), so a routine verify replays only what was posted since;
`full=True` replays from the first movement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger import Bucket, Totals
from syncbot.ledger.quantities import bucket_totals
from syncbot.store import checkpoints, models
from syncbot.store.checkpoints import BalanceKey, Coverage

BATCH = 10_000
SETTLE = timedelta(seconds=30)
"""How old a movement must be before a checkpoint covers it, on PostgreSQL."""

TOTAL = "(all locations)"  # a mismatch of a SKU's kept total, not of one balance row


@dataclass(frozen=True, slots=True)
class Mismatch:
    sku: str
    location: str
    bucket: str
    stored: int
    replayed: int


@dataclass(slots=True)
class VerifyReport:
    movements: int = 0
    """Movements replayed: those after the checkpoint, or all of them."""
    balances: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    unbalanced: dict[str, int] = field(default_factory=dict)
    """SKUs whose stored buckets do not sum to zero, with the sum."""
    resumed_after: int | None = None
    """The last movement id of the checkpoint the replay started from; None for a full one."""
    stale_checkpoint: int | None = None
    """A checkpoint whose movements changed since it was taken, so the replay was full."""
    checkpointed: int | None = None
    """The last movement id of the checkpoint this clean run wrote, if it wrote one."""

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.unbalanced


async def verify(
    progress: Callable[[int], None] | None = None,
    *,
    full: bool = False,
    now: datetime | None = None,
) -> VerifyReport:
    """Replays the ledger in one consistent snapshot; `progress` hears movements replayed.

    It starts from the latest checkpoint whose movements are unchanged (see
    syncbot.store.checkpoints), or from the first movement when `full` or when there is
    none. A clean run leaves a checkpoint at the last movement that has settled: on
    PostgreSQL one recorded at least SETTLE before `now` (a transaction holding a lower
    id may still commit after the snapshot); on SQLite, with one writer, the last.
    """
    report = VerifyReport()
    replayed: dict[BalanceKey, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)  # each SKU's stock value, from its movements
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            # One snapshot for every read, so concurrent postings cannot fake a mismatch.
            await connection.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        start = Coverage() if full else await _resume(connection, report, replayed, values)
        horizon = await _settled(connection, now or datetime.now(UTC))
        settled = await _replay(connection, start, horizon, replayed, values, report, progress)
        state = (
            (dict(replayed), dict(values)) if settled.last_movement > start.last_movement else None
        )
        await _replay(connection, settled, None, replayed, values, report, progress)
        stored = (
            await models.Balance.all()
            .using_db(connection)
            .values_list("sku_id", "location_id", "bucket", "quantity")
        )
        kept = (
            await models.Sku.all()
            .using_db(connection)
            .values_list("code", "available", "on_hand", "incoming", "stock_value")
        )
    _compare(report, replayed, stored)
    _check_totals(report, replayed, values, kept)
    if report.ok and state is not None:
        await checkpoints.save(settled, *state)
        report.checkpointed = settled.last_movement
    return report


async def _settled(connection: BaseDBAsyncClient, now: datetime) -> int | None:
    """The last movement id a checkpoint may cover; None: every movement in the snapshot.

    On PostgreSQL ids are taken at insert and committed later, so a movement with a lower
    id than the newest one seen may still appear: only movements recorded SETTLE before
    now are covered (posting transactions last milliseconds). The index on the id finds
    it scanning back over the last SETTLE of movements only.
    """
    if connection.capabilities.dialect != "postgres":
        return None
    found: Any = (
        await models.Movement.filter(recorded_at__lt=now - SETTLE)
        .using_db(connection)
        .order_by("-id")
        .first()
        .values_list("id", flat=True)
    )
    return int(found or 0)


async def _resume(
    connection: BaseDBAsyncClient,
    report: VerifyReport,
    replayed: dict[BalanceKey, int],
    values: dict[str, int],
) -> Coverage:
    """Loads the latest checkpoint into the replay if its movements are unchanged."""
    checkpoint = await checkpoints.latest(connection)
    if checkpoint is None:
        return Coverage()
    covered = checkpoint.coverage
    if await checkpoints.ledger_coverage(connection, covered.last_movement) != covered:
        report.stale_checkpoint = covered.last_movement
        return Coverage()
    replayed.update(checkpoint.balances)
    values.update(checkpoint.values)
    report.resumed_after = covered.last_movement
    return covered


async def _replay(
    connection: BaseDBAsyncClient,
    start: Coverage,
    until: int | None,
    replayed: dict[BalanceKey, int],
    values: dict[str, int],
    report: VerifyReport,
    progress: Callable[[int], None] | None,
) -> Coverage:
    """Applies the movements after `start`, up to `until` (None: the last), to the replay;
    returns the coverage reached."""
    last_id, count = start.last_movement, start.movements
    id_sum, quantity_sum, value_sum = start.id_sum, start.quantity_sum, start.value_sum
    while until is None or last_id < until:
        after = models.Movement.filter(id__gt=last_id)
        chosen = after if until is None else after.filter(id__lte=until)
        batch = (
            await chosen.using_db(connection)
            .order_by("id")
            .limit(BATCH)
            .values_list(
                "id",
                "sku_id",
                "quantity",
                "source_location",
                "source_bucket",
                "destination_location",
                "destination_bucket",
                "value",
            )
        )
        if not batch:
            break
        for movement, sku, quantity, src_loc, src_bucket, dst_loc, dst_bucket, moved in batch:
            replayed[(sku, src_loc, src_bucket)] -= quantity
            replayed[(sku, dst_loc, dst_bucket)] += quantity
            values[sku] += moved
            id_sum += movement
            quantity_sum += quantity
            value_sum += moved
        last_id = batch[-1][0]
        count += len(batch)
        report.movements += len(batch)
        if progress is not None:
            progress(report.movements)
    return Coverage(last_id, count, id_sum, quantity_sum, value_sum)


def _compare(
    report: VerifyReport,
    replayed: dict[BalanceKey, int],
    stored: list[tuple[str, str, str, int]],
) -> None:
    """Each stored balance against the replay, and each replayed balance with no row."""
    sums: dict[str, int] = defaultdict(int)
    seen: set[BalanceKey] = set()
    for sku, location, bucket, quantity in stored:
        key = (sku, location, bucket)
        seen.add(key)
        sums[sku] += quantity
        if quantity != replayed.get(key, 0):
            report.mismatches.append(Mismatch(sku, location, bucket, quantity, replayed[key]))
    for key in sorted(replayed.keys() - seen):
        if replayed[key]:
            report.mismatches.append(Mismatch(*key, stored=0, replayed=replayed[key]))
    report.balances = len(stored)
    report.unbalanced = {sku: total for sku, total in sorted(sums.items()) if total}


def _check_totals(
    report: VerifyReport,
    replayed: dict[BalanceKey, int],
    values: dict[str, int],
    kept: list[tuple[str, int, int, int, int]],
) -> None:
    """Each SKU's kept totals and stock value must equal the sums the replay gives (not the
    stored rows: a corrupted balance row is reported once, as itself)."""
    # What one unit in each bucket adds: the totals are linear in the quantity, and most
    # buckets (supplier, customer, ...) add nothing, so they are skipped without a lookup.
    unit = {str(bucket): bucket_totals(bucket, 1) for bucket in Bucket}
    summed: dict[str, Totals] = defaultdict(Totals)
    for (sku, _, bucket), quantity in replayed.items():
        one = unit[bucket]
        if quantity and one:
            summed[sku] += Totals(
                one.available * quantity, one.on_hand * quantity, one.incoming * quantity
            )
    for sku, available, on_hand, incoming, stock_value in kept:
        want = summed.get(sku, Totals())
        for name, held, right in (
            ("available", available, want.available),
            ("on_hand", on_hand, want.on_hand),
            ("incoming", incoming, want.incoming),
            ("stock_value", stock_value, values.get(sku, 0)),
        ):
            if held != right:
                report.mismatches.append(Mismatch(sku, TOTAL, name, held, right))
