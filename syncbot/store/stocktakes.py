"""Stock-take sessions: start (the snapshot), count, approve, cancel (posting: `stocktake_posting`).

Consistency with postings. Every posting locks the balance rows of each SKU and location
it touches before it inserts its movements (`balance_rows`). `start` and `count` take the
same row locks, in the same (sku, location, bucket) order, before they read the ledger's
newest movement id (the watermark). Once they hold the locks, every posting on those rows
has either committed (its movements are visible and have smaller ids) or waits for us (its
movements will get larger ids). So "snapshot + movements with start < id <= watermark" is
exact. A REPEATABLE READ snapshot alone would not be: a movement can get an id below the
watermark yet commit after the snapshot, and be missed by both sides.

Lock order: a session row, then its line rows (by id), then balance rows. `count` locks one
line and then balances, and only reads the session's status once it holds the line, so it
never waits on a session while holding what `post` and `approve` need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger import (
    REAL_BUCKETS,
    IdempotencyConflict,
    UnknownLocation,
    UnknownSku,
)
from syncbot.ledger.stocktake import (
    CountMode,
    NotInStocktake,
    OverlappingStocktake,
    StocktakeClosed,
    StocktakeInputError,
    StocktakeStatus,
    Thresholds,
    WrongLocation,
)
from syncbot.store import balance_rows, models
from syncbot.store.stocktake_models import Stocktake, StocktakeCount, StocktakeLine
from syncbot.store.stocktake_reads import (
    CountRecord,
    find,
    last_movement_id,
    load,
)

CHUNK = 500  # SKUs locked and snapshotted per statement: well within every driver's limits
Progress = Callable[[int, int], None]


async def scope_of(pattern: str | None, skus: Sequence[str] | None) -> list[str]:
    """The SKUs a session covers: those named (each a SKU or a barcode of one), those
    matching a glob pattern like `MUG-*`, or every SKU; refuses an empty scope."""
    if skus is not None:
        chosen = await _named(skus)
    else:
        codes = [
            str(c) for c in await models.Sku.all().order_by("code").values_list("code", flat=True)
        ]
        chosen = sorted(c for c in codes if pattern is None or fnmatchcase(c, pattern))
    if not chosen:
        raise StocktakeInputError(
            f"no SKU matches {pattern!r}" if pattern else "no SKUs to count: add some first"
        )
    return chosen


async def _named(skus: Sequence[str]) -> list[str]:
    """The SKUs `skus` name, as `barcodes.resolve` reads each (a SKU code wins over a
    barcode), in two queries however long the list; UnknownSku names the first unknown."""
    named = sorted(set(skus))
    found = await models.Sku.filter(code__in=named).values_list("code", flat=True)
    known = {str(code) for code in found}
    others = [code for code in named if code not in known]
    held = dict(
        await models.SkuBarcode.filter(barcode__in=others).values_list("barcode", "sku_id")
        if others
        else []
    )
    if unknown := [code for code in others if code not in held]:
        raise UnknownSku(unknown[0])
    return sorted(known | {str(sku) for sku in held.values()})


async def start(
    location: str,
    skus: list[str],
    *,
    name: str | None,
    scope: str,
    blind: bool,
    thresholds: Thresholds,
    actor: str,
    progress: Progress | None = None,
) -> int:
    """Opens a session over `skus` at `location` and snapshots their on-hand: its id."""
    if not await models.Location.exists(name=location):
        raise UnknownLocation(location)
    if name is not None and await Stocktake.exists(name=name):
        raise StocktakeInputError(f"a stock-take is already named {name!r}: choose another")
    try:
        async with in_transaction() as connection:
            on_hand = await _snapshot(connection, skus, location, progress)
            row = await Stocktake.create(
                name=name, location_id=location, scope=scope, blind=blind,
                approve_over_units=thresholds.units, approve_over_percent=thresholds.percent,
                approve_over_value=thresholds.value,
                start_watermark=await last_movement_id(connection), actor=actor,
                using_db=connection,
            )  # fmt: skip
            await StocktakeLine.bulk_create(
                [
                    StocktakeLine(
                        stocktake_id=row.id,
                        sku_id=sku,
                        location=location,
                        expected_at_start=on_hand[sku],
                    )
                    for sku in skus
                ],
                batch_size=CHUNK,
                using_db=connection,
            )
    except IntegrityError:  # a twin took the name between our check and our insert
        raise StocktakeInputError(
            f"a stock-take is already named {name!r}: choose another"
        ) from None
    return int(row.id)


async def _snapshot(
    connection: BaseDBAsyncClient, skus: list[str], location: str, progress: Progress | None
) -> dict[str, int]:
    """Each SKU's on-hand, read under its balance rows' locks, CHUNK SKUs at a time in lock
    order; refuses SKUs already in an open session here (seen once their locks are ours:
    a concurrent start over the same SKUs has committed its lines or waits for us)."""
    on_hand: dict[str, int] = {}
    overlaps: dict[str, int] = {}
    for first in range(0, len(skus), CHUNK):
        chunk = skus[first : first + CHUNK]
        on_hand.update(await _lock_on_hand(connection, chunk, location))
        overlaps.update(await _open_lines(connection, chunk, location))
        if progress is not None:
            progress(min(first + CHUNK, len(skus)), len(skus))
    if overlaps:
        raise OverlappingStocktake(location, sorted(overlaps), sorted(set(overlaps.values())))
    return on_hand


async def _lock_on_hand(
    connection: BaseDBAsyncClient, skus: list[str], location: str
) -> dict[str, int]:
    keys = sorted((sku, location, str(bucket)) for sku in skus for bucket in REAL_BUCKETS)
    rows = await balance_rows.lock(connection, keys)
    held = {key: quantity for key, (_, quantity) in rows.items()}
    return {sku: balance_rows.quantities(held, sku, location).on_hand for sku in skus}


async def _open_lines(
    connection: BaseDBAsyncClient, skus: list[str], location: str
) -> dict[str, int]:
    """SKUs of `skus` already in an open session at `location`, and that session's id."""
    rows = (
        await StocktakeLine.filter(sku_id__in=skus, location=location, open=True)
        .using_db(connection)
        .values_list("sku_id", "stocktake_id")
    )
    return {sku: int(session) for sku, session in rows}


@dataclass(frozen=True, slots=True)
class Counted:
    session: int
    sku: str
    count: CountRecord
    applied: bool
    """False when the count's key was used before: the first count stands."""


async def count(
    ref: str,
    sku: str,
    quantity: int,
    actor: str,
    *,
    mode: CountMode,
    area: str,
    key: str | None,
    location: str | None,
) -> Counted:
    """Records one count on a line, with the ledger's watermark at this moment."""
    async with in_transaction() as connection:
        session = await find(connection, ref)
    if location is not None and location != session.location_id:
        raise WrongLocation(session.id, session.location_id, location)
    stored_key = None if key is None else f"{session.id}:{key}"
    content = (sku, quantity, actor, mode.value, area)
    try:
        async with in_transaction() as connection:
            if stored_key is not None and (found := await _replay(connection, stored_key, content)):
                return Counted(session.id, sku, found, False)
            line = await _locked_line(connection, session, sku)
            await balance_rows.lock(
                connection, sorted((sku, session.location_id, str(b)) for b in REAL_BUCKETS)
            )
            row = await StocktakeCount.create(
                line_id=line.id, counter=actor, area=area, quantity=quantity, mode=mode.value,
                watermark=await last_movement_id(connection), key=stored_key, using_db=connection,
            )  # fmt: skip
    except IntegrityError:
        if stored_key is None:
            raise
        async with in_transaction() as connection:
            if found := await _replay(connection, stored_key, content):
                return Counted(session.id, sku, found, False)
        raise
    return Counted(session.id, sku, _record(row), True)


async def _locked_line(
    connection: BaseDBAsyncClient, session: Stocktake, sku: str
) -> StocktakeLine:
    line = (
        await StocktakeLine.filter(stocktake_id=session.id, sku_id=sku)
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if line is None:
        if not await models.Sku.exists(code=sku):
            raise UnknownSku(sku)
        raise NotInStocktake(session.id, sku)
    # Read under the line's lock: a post or cancel that committed first is seen here.
    status = (
        await Stocktake.filter(id=session.id).using_db(connection).values_list("status", flat=True)
    )
    if str(status[0]) != StocktakeStatus.OPEN:
        raise StocktakeClosed(session.id, str(status[0]))
    return line


async def _replay(
    connection: BaseDBAsyncClient, key: str, content: tuple[object, ...]
) -> CountRecord | None:
    row = await StocktakeCount.filter(key=key).using_db(connection).prefetch_related("line").first()
    if row is None:
        return None
    line = row.line
    if (line.sku_id, row.quantity, row.counter, row.mode, row.area) != content:
        raise IdempotencyConflict(key.partition(":")[2])
    return _record(row)


def _record(row: StocktakeCount) -> CountRecord:
    return CountRecord(
        row.id, row.counter, row.area, row.quantity, CountMode(row.mode), row.watermark,
        row.recorded_at,
    )  # fmt: skip


async def _open_session(connection: BaseDBAsyncClient, ref: str) -> Stocktake:
    row = await find(connection, ref, lock=True)
    if row.status != StocktakeStatus.OPEN:
        raise StocktakeClosed(row.id, row.status)
    return row


async def approve(ref: str, sku: str | None, actor: str) -> tuple[int, list[str]]:
    """Approves one line's variance (or every line over a threshold): the session's id and
    the SKUs approved. An approval holds for the line's latest count."""
    async with in_transaction() as connection:
        row = await _open_session(connection, ref)
        await lock_lines(connection, row.id)
        session = await load(connection, row, None if sku is None else {sku})
        if sku is not None and not session.lines:
            if not await models.Sku.exists(code=sku):
                raise UnknownSku(sku)
            raise NotInStocktake(row.id, sku)
        chosen = [line for line in session.lines if line.counts and (sku or line.needs_approval)]
        if sku is not None and not chosen:
            raise StocktakeInputError(f"{sku} is not counted yet: count it before approving")
        now = datetime.now(UTC)
        for line in chosen:
            await (
                StocktakeLine.filter(stocktake_id=row.id, sku_id=line.sku)
                .using_db(connection)
                .update(approved_by=actor, approved_at=now, approved_through=line.counts[-1].id)
            )
    return row.id, [line.sku for line in chosen]


async def lock_lines(connection: BaseDBAsyncClient, session: int) -> None:
    await (
        StocktakeLine.filter(stocktake_id=session)
        .order_by("id")
        .select_for_update()
        .using_db(connection)
    )


async def cancel(ref: str, actor: str) -> tuple[int, bool]:
    """Closes a session without touching balances: its id, and False if already cancelled."""
    async with in_transaction() as connection:
        row = await find(connection, ref, lock=True)
        if row.status == StocktakeStatus.CANCELLED:
            return row.id, False
        if row.status != StocktakeStatus.OPEN:
            raise StocktakeClosed(row.id, row.status)
        row.status, row.closed_at, row.closed_by = (
            StocktakeStatus.CANCELLED,
            datetime.now(UTC),
            actor,
        )
        await row.save(using_db=connection)
        await StocktakeLine.filter(stocktake_id=row.id).using_db(connection).update(open=False)
    return row.id, True
