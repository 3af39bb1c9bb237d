"""Purchase orders: create, change lines, place, cancel and close, each in one transaction.

Every change to an order locks its row first (SELECT ... FOR UPDATE), then its lines in id
order, then posts through `posting.post_within` in the same transaction: the order's
counters and the ledger move together or not at all, and two changes to one order take
turns. Every posting names `purchase-orders/<number>` as its document (the line is that
document plus the movement's SKU).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from syncbot.ledger import Movement, UnknownLocation, UnknownSku, purchase, purchase_cancel
from syncbot.ledger.movements import check_quantity
from syncbot.ledger.purchasing import (
    CLOSABLE,
    EDITABLE,
    OPEN_STATUSES,
    BelowReceived,
    LineExists,
    LineNotOnOrder,
    LineState,
    PurchaseOrderExists,
    PurchaseStatus,
    PurchasingInputError,
    UnknownPurchaseOrder,
    WrongState,
    auto_number,
    check_note,
    check_number,
    document_of,
    status_after,
)
from syncbot.store import models, posting, recording
from syncbot.store.purchasing_models import PurchaseOrder, PurchaseOrderLine
from syncbot.store.suppliers import item_cost, supplier_named

NUMBER_ATTEMPTS = 50
"""Tries at the next automatic number when others take it meanwhile."""


async def create_order(
    supplier: str,
    location: str,
    *,
    number: str | None = None,
    expected_on: date | None = None,
    note: str = "",
    actor: str = "",
) -> PurchaseOrder:
    """A draft order; numbered PO-0001, PO-0002, … unless `number` is given."""
    found = await supplier_named(supplier)
    if not await models.Location.exists(name=location):
        raise UnknownLocation(location)
    fields: dict[str, Any] = {
        "supplier": found,
        "location_id": location,
        "expected_on": expected_on,
        "note": check_note(note),
        "actor": actor,
        "status": PurchaseStatus.DRAFT,
    }
    if number is not None:
        try:
            return await PurchaseOrder.create(number=check_number(number), **fields)
        except IntegrityError as error:
            raise PurchaseOrderExists(number) from error
    return await _numbered(fields)


async def _numbered(fields: dict[str, Any]) -> PurchaseOrder:
    """The next free automatic number; the unique columns settle a race, and a number a
    person gave that looks automatic is stepped over."""
    sequence = await _last_sequence() + 1
    for _ in range(NUMBER_ATTEMPTS):
        try:
            return await PurchaseOrder.create(
                number=auto_number(sequence), sequence=sequence, **fields
            )
        except IntegrityError:
            sequence = max(sequence + 1, await _last_sequence() + 1)
    raise PurchasingInputError("no free order number was found: try again, or give --number")


async def _last_sequence() -> int:
    last = await PurchaseOrder.annotate(last=Max("sequence")).first().values_list("last")
    return int(last[0] or 0) if last else 0


async def lock_order(
    connection: BaseDBAsyncClient, number: str
) -> tuple[PurchaseOrder, list[PurchaseOrderLine]]:
    """The order's row and its lines, locked in that order (lines by id)."""
    order = (
        await PurchaseOrder.filter(number=number).select_for_update().using_db(connection).first()
    )
    if order is None:
        raise UnknownPurchaseOrder(number)
    lines = (
        await PurchaseOrderLine.filter(order_id=order.id)
        .order_by("id")
        .select_for_update()
        .using_db(connection)
    )
    return order, list(lines)


def require(order: PurchaseOrder, allowed: frozenset[PurchaseStatus], action: str) -> None:
    status = PurchaseStatus(order.status)
    if status not in allowed:
        raise WrongState(order.number, status, action, allowed)


def line_for(
    order: PurchaseOrder, lines: Sequence[PurchaseOrderLine], sku: str
) -> PurchaseOrderLine:
    for line in lines:
        if line.sku_id == sku:
            return line
    raise LineNotOnOrder(order.number, sku)


def state_of(line: PurchaseOrderLine) -> LineState:
    return LineState(line.quantity, line.received, line.cancelled)


async def settle(
    connection: BaseDBAsyncClient,
    order: PurchaseOrder,
    lines: Sequence[PurchaseOrderLine],
    movements: Sequence[Movement],
    actor: str,
    status: PurchaseStatus | None = None,
) -> posting.PostingResult | None:
    """Posts the movements (if any) as the order's document, then saves the order's state
    (`status`, or the one its lines imply) and its changed lines."""
    result = None
    if movements:
        provenance = posting.Provenance(actor=actor, document=document_of(order.number))
        digest = posting.fingerprint(movements, provenance.document)
        result = await posting.post_within(
            connection, movements, key=None, digest=digest, provenance=provenance
        )
    placed = order.status != PurchaseStatus.DRAFT
    order.status = status or status_after(placed, (state_of(line) for line in lines))
    order.updated_at = datetime.now(UTC)
    await order.save(using_db=connection, update_fields=["status", "updated_at", "ordered_at"])
    for line in lines:
        await line.save(using_db=connection)
    return result


async def add_line(
    number: str, sku: str, quantity: int, unit_cost: Decimal | None, actor: str
) -> posting.PostingResult | None:
    """A new line; on a placed order its units are ordered at once (supplier → incoming)."""
    check_quantity(quantity)
    async with in_transaction() as connection:
        order, lines = await lock_order(connection, number)
        require(order, EDITABLE, "adding a line")
        if any(line.sku_id == sku for line in lines):
            raise LineExists(number, sku)
        if not await models.Sku.exists(code=sku):
            raise UnknownSku(sku)
        if unit_cost is None:
            unit_cost = await item_cost(order.supplier_id, sku)
        if unit_cost is None:
            raise PurchasingInputError(
                f"no unit cost is known for {sku} from this supplier: give one with --cost"
            )
        line = await PurchaseOrderLine.create(
            order=order, sku_id=sku, quantity=quantity, unit_cost=unit_cost, using_db=connection
        )
        movements = []
        if order.status != PurchaseStatus.DRAFT:
            movements = [purchase(sku, quantity, order.location_id, f"{number} line added")]
        result = await settle(connection, order, [*lines, line], movements, actor)
    _count(result)
    return result


async def edit_line(
    number: str, sku: str, quantity: int | None, unit_cost: Decimal | None, actor: str
) -> posting.PostingResult | None:
    """A new quantity or unit cost; on a placed order, incoming moves by the difference in
    one posting, and the quantity never goes below what is received or cancelled."""
    if quantity is not None:
        check_quantity(quantity)
    async with in_transaction() as connection:
        order, lines = await lock_order(connection, number)
        require(order, EDITABLE, "editing a line")
        line = line_for(order, lines, sku)
        movements: list[Movement] = []
        if quantity is not None:
            if quantity < line.received + line.cancelled:
                raise BelowReceived(number, sku, quantity, line.received + line.cancelled)
            difference = quantity - line.quantity
            if order.status != PurchaseStatus.DRAFT and difference:
                build = purchase if difference > 0 else purchase_cancel
                reason = f"{number} line changed {line.quantity} → {quantity}"
                movements = [build(sku, abs(difference), order.location_id, reason)]
            line.quantity = quantity
        if unit_cost is not None:
            line.unit_cost = unit_cost
        result = await settle(connection, order, lines, movements, actor)
    _count(result)
    return result


async def remove_line(number: str, sku: str) -> None:
    """Only a draft's line: a placed order's line is cancelled instead."""
    async with in_transaction() as connection:
        order, lines = await lock_order(connection, number)
        require(order, frozenset({PurchaseStatus.DRAFT}), "removing a line (cancel it instead)")
        await line_for(order, lines, sku).delete(using_db=connection)


async def place_order(number: str, actor: str) -> posting.PostingResult | None:
    """draft → ordered: every line's quantity moves supplier → incoming, in one posting."""
    async with in_transaction() as connection:
        order, lines = await lock_order(connection, number)
        require(order, frozenset({PurchaseStatus.DRAFT}), "ordering")
        if not lines:
            raise PurchasingInputError(
                f"purchase order {number} has no lines: add one with `po add {number} SKU QTY`"
            )
        movements = [
            purchase(line.sku_id, line.quantity, order.location_id, f"{number} ordered")
            for line in lines
        ]
        order.ordered_at = datetime.now(UTC)
        result = await settle(
            connection, order, lines, movements, actor, status=PurchaseStatus.ORDERED
        )
    _count(result)
    return result


async def cancel(number: str, sku: str | None, actor: str) -> posting.PostingResult | None:
    """The rest of one line, or of every line and the order: incoming → supplier."""
    async with in_transaction() as connection:
        order, lines = await lock_order(connection, number)
        if sku is None:
            require(order, OPEN_STATUSES, "cancelling")
            chosen = lines
        else:
            require(
                order,
                frozenset({PurchaseStatus.ORDERED, PurchaseStatus.PARTIALLY_RECEIVED}),
                "cancelling a line",
            )
            chosen = [line_for(order, lines, sku)]
            if state_of(chosen[0]).open <= 0:
                raise PurchasingInputError(f"{number}, {sku}: nothing is still expected to cancel")
        placed = order.status != PurchaseStatus.DRAFT
        movements = []
        for line in chosen:
            rest = state_of(line).open
            if placed and rest > 0:
                movements.append(
                    purchase_cancel(line.sku_id, rest, order.location_id, f"{number} cancelled")
                )
                line.cancelled += rest
        status = PurchaseStatus.CANCELLED if sku is None else None
        result = await settle(connection, order, lines, movements, actor, status=status)
    _count(result)
    return result


async def close(number: str) -> None:
    """A received or cancelled order is closed: nothing changes it any more."""
    async with in_transaction() as connection:
        order, _ = await lock_order(connection, number)
        require(order, CLOSABLE, "closing")
        order.status = PurchaseStatus.CLOSED
        order.updated_at = datetime.now(UTC)
        await order.save(using_db=connection, update_fields=["status", "updated_at"])


def _count(result: posting.PostingResult | None) -> None:
    if result is not None:
        recording.count_posting(result)
