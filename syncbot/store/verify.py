"""Proof that the balance table is the ledger: replay every movement and compare."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from syncbot.ledger import Bucket, Totals
from syncbot.ledger.quantities import bucket_totals
from syncbot.store import models

BATCH = 10_000

BalanceKey = tuple[str, str, str]  # sku, location, bucket
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
    balances: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    unbalanced: dict[str, int] = field(default_factory=dict)
    """SKUs whose stored buckets do not sum to zero, with the sum."""

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.unbalanced


async def verify(progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Replays the ledger in one consistent snapshot; `progress` hears movements replayed."""
    report = VerifyReport()
    replayed: dict[BalanceKey, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)  # each SKU's stock value, from its movements
    async with in_transaction() as connection:
        if connection.capabilities.dialect == "postgres":
            # One snapshot for both reads, so concurrent postings cannot fake a mismatch.
            await connection.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        last_id = 0
        while True:
            batch = (
                await models.Movement.filter(id__gt=last_id)
                .using_db(connection)
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
            for _, sku, quantity, src_loc, src_bucket, dst_loc, dst_bucket, moved in batch:
                replayed[(sku, src_loc, src_bucket)] -= quantity
                replayed[(sku, dst_loc, dst_bucket)] += quantity
                values[sku] += moved
            last_id = batch[-1][0]
            report.movements += len(batch)
            if progress is not None:
                progress(report.movements)
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
    _check_totals(report, replayed, values, kept)
    report.balances = len(stored)
    report.unbalanced = {sku: total for sku, total in sorted(sums.items()) if total}
    return report


def _check_totals(
    report: VerifyReport,
    replayed: dict[BalanceKey, int],
    values: dict[str, int],
    kept: list[tuple[str, int, int, int, int]],
) -> None:
    """Each SKU's kept totals and stock value must equal the sums the replay gives (not the
    stored rows: a corrupted balance row is reported once, as itself)."""
    summed: dict[str, Totals] = defaultdict(Totals)
    for (sku, _, bucket), quantity in replayed.items():
        summed[sku] += bucket_totals(Bucket(bucket), quantity)
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
