"""Order intake: reconcile a storefront order event against what the ledger applied, once.

Inside one transaction: lock the order's record, load it, let the ledger fold the event
in (`syncbot.ledger.orders.record`: the newest snapshot wins, returns wait for their SKU,
lines the store cannot hold are refused, a bundle line keeps the recipe current when it
is first seen), post the difference, replace the order's parked lines and save the
record. The store decides nothing here but which SKUs it holds.

Intake reconciles a batch of deliveries in one transaction (`reconcile_all`), and every
step is one round trip for the whole batch (the statements are `order_rows`'), which is
what lets a flash sale's thousands of orders keep up. An order's first event is the common
case, so it costs least: the read that locks stored records finds none, and its record is
written once, settled (where it was inserted empty, to lock it, and then updated: two row
versions and four index entries for one); it has no parked lines to delete; the read of
the SKUs also says which are bundles, so a batch with no new bundle line reads no recipe.
Two transactions that see the same new order both settle it, and the second one's insert
waits for the first's commit: it then finds the record and reconciles the order again,
against it, so the order is still posted once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from syncbot.ledger import orders
from syncbot.ledger.orders import LineRecipe, OrderEvent, OrderRecord, ParkedLine
from syncbot.store import bundles as store_bundles
from syncbot.store import models, order_rows
from syncbot.store.recording import (
    Posting,
    PostingResult,
    Provenance,
    count_posting,
    record_all,
)


@dataclass(frozen=True, slots=True)
class ParkedLineView:
    """A parked line as people see it: which order, what it names and why it waits."""

    channel: str
    order_id: str
    line_id: str
    sku: str
    quantity: int
    reason: str
    created_at: datetime


class UnstorableOrder(ValueError):
    """An order or line id the store cannot hold: the event can never be recorded."""


@dataclass(frozen=True, slots=True)
class Reconcile:
    """An order to reconcile: its stored snapshot and waiting returns, with `event` if any."""

    channel: str
    order_id: str
    event: OrderEvent | None = None


TURN = 50
"""Orders parsed (`intake.processor`) or settled between two turns given to the event
loop. Both are Python with no I/O: 1,000 orders held the loop for a tenth to a fifth of
a second, and the scheduler in the same process, pushing the changes of the batch
before, waited behind each such stretch (docs/benchmarks.md, Flash sale)."""

Outcome = PostingResult | None | Exception
"""What reconciling one order came to: its posting, None when it changed nothing (a
duplicate or a stale event), or the error that stopped that order alone."""


async def record_order_event(channel: str, event: OrderEvent) -> PostingResult | None:
    """Applies one order event in its own transaction; None when it changed nothing.

    Raises UnstorableOrder, before writing anything, for an id the store cannot hold.
    """
    refuse_unstorable(event)
    return await _reconcile(Reconcile(channel, event.order_id, event))


def refuse_unstorable(event: OrderEvent) -> None:
    """Raises UnstorableOrder for an order or line id the store cannot hold."""
    if problem := orders.id_problem(event):
        raise UnstorableOrder(f"order {event.order_id[:80]!r}: {problem}")


async def apply_parked(sku: str) -> int:
    """Applies every parked line of a SKU just added; returns how many orders moved stock."""
    found = await models.ParkedLine.filter(sku=sku).distinct().values_list("channel", "order_id")
    applied = 0
    for channel, order_id in found:
        if await _reconcile(Reconcile(channel, order_id)) is not None:
            applied += 1
    return applied


async def parked_lines() -> list[ParkedLineView]:
    """Every parked order and return line, by channel, order and line."""
    rows = await models.ParkedLine.all().order_by("channel", "order_id", "line_id")
    return [
        ParkedLineView(
            row.channel,
            row.order_id,
            row.line_id,
            row.sku,
            row.quantity,
            row.reason,
            row.created_at,
        )
        for row in rows
    ]


async def _reconcile(order: Reconcile) -> PostingResult | None:
    async with in_transaction() as connection:
        [outcome] = await reconcile_all(connection, [order])
        if isinstance(outcome, Exception):
            raise outcome
    if outcome is not None:
        count_posting(outcome)
    return outcome


async def reconcile_all(
    connection: BaseDBAsyncClient, wanted: Sequence[Reconcile]
) -> list[Outcome]:
    """Reconciles orders inside the caller's transaction, one outcome each, in order.

    The orders of a batch share every round trip: their records are created or locked by
    two statements, their SKUs read by one (and the recipes of bundles on lines seen for
    the first time, when there are any, by another), and their postings recorded
    together (`record_all`). An order named twice (a retry in the same batch) is
    reconciled again in a second round, after the first. An order the ledger's rules
    refuse is left out, its outcome the error, its record as it was; an error of the
    database raises, and the caller's transaction takes every order back.
    """
    outcomes: list[Outcome] = [None] * len(wanted)
    for indexes in _rounds(wanted):
        for _ in range(2):
            done, again = await _reconcile_round(connection, [wanted[i] for i in indexes])
            for index, outcome in zip(indexes, done, strict=True):
                outcomes[index] = outcome
            if not again:
                break
            # A twin's transaction created these orders' records meanwhile, and committed:
            # they are reconciled against them now, locked like any stored record.
            indexes = [indexes[position] for position in again]
        else:  # a record never deleted cannot be missing twice
            raise OperationalError(f"order records changed under a batch: {len(indexes)}")
    return outcomes


def _rounds(wanted: Sequence[Reconcile]) -> list[list[int]]:
    """The indexes of `wanted` in rounds where each order appears once, in order."""
    rounds: list[list[int]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, order in enumerate(wanted):
        times = seen.get((order.channel, order.order_id), 0)
        seen[(order.channel, order.order_id)] = times + 1
        if times == len(rounds):
            rounds.append([])
        rounds[times].append(index)
    return rounds


async def _reconcile_round(
    connection: BaseDBAsyncClient, round_: Sequence[Reconcile]
) -> tuple[list[Outcome], list[int]]:
    """The round's outcomes, and the positions of the orders to reconcile again: new to
    this batch, but created by a twin transaction that committed while this one ran."""
    keys = [(order.channel, order.order_id) for order in round_]
    stored = await order_rows.lock(connection, keys)
    received: list[OrderRecord | Exception] = []
    for key, order in zip(keys, round_, strict=True):
        try:
            # An order seen for the first time has no record yet: nothing to decode.
            before = orders.decode(stored[key].state) if key in stored else OrderRecord()
            received.append(orders.receive(before, order.event))
        except Exception as error:  # this order's alone: the caller sorts it out
            received.append(error)
    records = [record for record in received if isinstance(record, OrderRecord)]
    catalogued = await order_rows.catalogued(connection, set().union(*map(orders.skus, records)))
    known = set(catalogued)
    # Only a line seen for the first time takes its bundle's current recipe, and the
    # catalogue read said which SKUs are bundles: most batches need no recipe read.
    untaken: set[str] = set().union(*map(orders.untaken, records))
    recipes = await _recipes(connection, {sku for sku in untaken if catalogued.get(sku)})

    outcomes: list[Outcome] = []
    settled: dict[tuple[str, str], tuple[OrderRecord, list[ParkedLine]]] = {}
    postings: dict[tuple[str, str], Posting] = {}
    for index, (key, record) in enumerate(zip(keys, received, strict=True)):
        if index and index % TURN == 0:
            # Pure Python for the whole batch, and no balance is locked yet: let the
            # scheduler in this process move between stretches (`TURN` says why).
            await asyncio.sleep(0)
        if isinstance(record, Exception):
            outcomes.append(record)
            continue
        try:
            new_record, movements, parked = orders.settle(record, known, recipes)
        except Exception as error:  # as above
            outcomes.append(error)
            continue
        settled[key] = (new_record, parked)
        outcomes.append(None)
        if movements:
            document = f"{key[0]}/orders/{key[1]}"
            postings[key] = Posting(movements, Provenance(actor=key[0], document=document))
    # A new order's record is written once, settled, before any balance is locked (the
    # lock order of a lone order's posting): an order refused leaves none behind.
    new = [(key, record) for key, (record, _) in settled.items() if key not in stored]
    created = await order_rows.create(connection, new)
    taken = {key for key, _ in new if key not in created}
    for key in taken:
        del settled[key]
        postings.pop(key, None)
    await order_rows.park(
        connection, [(k, parked, k not in stored) for k, (_, parked) in settled.items()]
    )
    results = await record_all(connection, list(postings.values()))
    await order_rows.save(
        connection, [(stored[k].id, record) for k, (record, _) in settled.items() if k in stored]
    )
    posted = dict(zip(postings, results, strict=True))
    return [
        posted.get(key) if outcome is None else outcome
        for key, outcome in zip(keys, outcomes, strict=True)
    ], [position for position, key in enumerate(keys) if key in taken]


async def _recipes(connection: BaseDBAsyncClient, wanted: set[str]) -> dict[str, LineRecipe]:
    """The current recipe of each bundle among `wanted`, for lines taken now."""
    if not wanted:  # an order's later events: every line already has what it was taken as
        return {}
    found = await store_bundles.recipes(wanted, connection)
    return {code: LineRecipe(stored.recipe, stored.version) for code, stored in found.items()}
