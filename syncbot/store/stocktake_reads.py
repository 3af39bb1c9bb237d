"""Reading stock-takes: a session with its lines, their counts and each line judged at its
last count (`ledger.stocktake.judge`); the list of sessions."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.functions import Count

from syncbot.ledger.stocktake import (
    CountEntry,
    CountMode,
    Judgement,
    StocktakeStatus,
    Thresholds,
    UnknownStocktake,
    judge,
    on_hand_change,
)
from syncbot.store import models
from syncbot.store.recording import movement_from_row
from syncbot.store.stocktake_models import Stocktake, StocktakeCount, StocktakeLine


@dataclass(frozen=True, slots=True)
class CountRecord:
    id: int
    counter: str
    area: str
    quantity: int
    mode: CountMode
    watermark: int
    recorded_at: datetime

    def entry(self) -> CountEntry:
        return CountEntry(self.counter, self.area, self.quantity, self.mode, self.watermark)


@dataclass(frozen=True, slots=True)
class LineRecord:
    sku: str
    expected_at_start: int
    counts: tuple[CountRecord, ...]
    judgement: Judgement
    approved_by: str
    approved_through: int | None

    @property
    def approved(self) -> bool:
        """Approved for its latest count: a recount after an approval needs a new one."""
        return bool(self.counts) and self.approved_through == self.counts[-1].id

    @property
    def needs_approval(self) -> bool:
        return bool(self.judgement.over) and not self.approved


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    name: str | None
    location: str
    scope: str
    blind: bool
    status: StocktakeStatus
    thresholds: Thresholds
    start_watermark: int
    actor: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    uncounted: str
    posting: uuid.UUID | None
    lines: tuple[LineRecord, ...]


def thresholds_of(row: Stocktake) -> Thresholds:
    percent = row.approve_over_percent
    return Thresholds(
        row.approve_over_units,
        None if percent is None else Decimal(percent),
        row.approve_over_value,
    )


async def find(connection: BaseDBAsyncClient, ref: str, *, lock: bool = False) -> Stocktake:
    """The session `ref` names (its id, or its name); UnknownStocktake otherwise."""
    text = ref.strip()
    where = Q(id=int(text)) if text.isdigit() and len(text) < 19 else Q(name=text)
    query = Stocktake.filter(where).using_db(connection)
    row = await (query.select_for_update() if lock else query).first()
    if row is None:
        raise UnknownStocktake(ref)
    return row


async def last_movement_id(connection: BaseDBAsyncClient) -> int:
    """The ledger's newest movement id: a watermark. Read under the balance rows' locks,
    every movement on those rows with a smaller id has committed (see `stocktakes`)."""
    newest = (
        await models.Movement.all()
        .using_db(connection)
        .order_by("-id")
        .limit(1)
        .values_list("id", flat=True)
    )
    return int(str(newest[0])) if newest else 0


async def load(
    connection: BaseDBAsyncClient, row: Stocktake, skus: set[str] | None = None
) -> SessionRecord:
    """The session with its lines (or only `skus`), each judged at its last count."""
    query = StocktakeLine.filter(stocktake_id=row.id).using_db(connection).order_by("sku_id")
    lines = await (query.filter(sku_id__in=skus) if skus is not None else query)
    counts: dict[int, list[CountRecord]] = defaultdict(list)
    for count in (
        await StocktakeCount.filter(line_id__in=[line.id for line in lines])
        .using_db(connection)
        .order_by("id")
    ):
        counts[count.line_id].append(
            CountRecord(
                count.id,
                count.counter,
                count.area,
                count.quantity,
                CountMode(count.mode),
                count.watermark,
                count.recorded_at,
            )
        )
    until = max((c[-1].watermark for c in counts.values()), default=row.start_watermark)
    changes = await _changes(connection, row, {line.sku_id for line in lines}, until)
    costs = await _costs(connection, {line.sku_id for line in lines})
    thresholds = thresholds_of(row)
    records = tuple(
        LineRecord(
            sku=line.sku_id,
            expected_at_start=line.expected_at_start,
            counts=tuple(counts[line.id]),
            judgement=judge(
                line.expected_at_start,
                row.start_watermark,
                [c.entry() for c in counts[line.id]],
                changes.get(line.sku_id, ()),
                costs.get(line.sku_id),
                thresholds,
            ),
            approved_by=line.approved_by,
            approved_through=line.approved_through,
        )
        for line in lines
    )
    return _session(row, records)


def _session(row: Stocktake, lines: tuple[LineRecord, ...]) -> SessionRecord:
    return SessionRecord(
        row.id, row.name, row.location_id, row.scope, row.blind, StocktakeStatus(row.status),
        thresholds_of(row), row.start_watermark, row.actor, row.created_at, row.closed_at,
        row.closed_by, row.uncounted, row.posting, lines,
    )  # fmt: skip


async def _changes(
    connection: BaseDBAsyncClient, row: Stocktake, skus: set[str], until: int
) -> dict[str, list[tuple[int, int]]]:
    """Each SKU's on-hand changes at the location after the start, up to `until`."""
    changes: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if until <= row.start_watermark or not skus:
        return changes
    location = row.location_id
    movements = await models.Movement.filter(
        Q(source_location=location) | Q(destination_location=location),
        id__gt=row.start_watermark,
        id__lte=until,
        sku_id__in=skus,
    ).using_db(connection)
    for movement in movements:
        if change := on_hand_change(movement_from_row(movement), location):
            changes[movement.sku_id].append((movement.id, change))
    return changes


async def _costs(connection: BaseDBAsyncClient, skus: set[str]) -> dict[str, Decimal]:
    rows = (
        await models.Sku.filter(code__in=skus)
        .using_db(connection)
        .values_list("code", "average_cost")
    )
    return {code: Decimal(cost) for code, cost in rows}


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    name: str | None
    location: str
    status: StocktakeStatus
    blind: bool
    lines: int
    counted: int
    created_at: datetime
    actor: str


async def summaries(
    connection: BaseDBAsyncClient, *, open_only: bool, session: int | None = None
) -> list[SessionSummary]:
    """Every session (or only `session`), newest first, with how many lines are counted."""
    query = Stocktake.all().using_db(connection).order_by("-id")
    if session is not None:
        query = query.filter(id=session)
    rows = await (query.filter(status=StocktakeStatus.OPEN) if open_only else query)
    ids = [row.id for row in rows]
    totals = dict(
        await StocktakeLine.filter(stocktake_id__in=ids)
        .using_db(connection)
        .annotate(n=Count("id"))
        .group_by("stocktake_id")
        .values_list("stocktake_id", "n")
    )
    counted = dict(
        await StocktakeLine.filter(stocktake_id__in=ids, counts__id__isnull=False)
        .using_db(connection)
        .annotate(n=Count("id", distinct=True))
        .group_by("stocktake_id")
        .values_list("stocktake_id", "n")
    )
    return [
        SessionSummary(
            row.id,
            row.name,
            row.location_id,
            StocktakeStatus(row.status),
            row.blind,
            int(totals.get(row.id, 0)),
            int(counted.get(row.id, 0)),
            row.created_at,
            row.actor,
        )
        for row in rows
    ]
