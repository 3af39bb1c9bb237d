"""Receipts against a purchase order: incoming → available (or damaged), idempotent on a
receipt key, never more than ordered unless forced.

One transaction: 1. lock the order's row and its lines (`purchase_orders.lock_order`), so
two receipts on one line take turns and the second sees what the first received; 2. with
a key, a twin that committed first makes this a replay (no-op) or, with other content, an
IdempotencyConflict; 3. split the receipt against what is still open (`ledger.purchasing`);
4. claim the key and post (`posting.post_within`), and save the line and the order's state.
A twin racing on another order with the same key loses at the key's unique row instead,
and is answered the same way after its rollback.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger import InvalidMovement, Movement
from syncbot.ledger.limits import MAX_IDEMPOTENCY_KEY_LENGTH
from syncbot.ledger.movements import check_quantity
from syncbot.ledger.purchasing import RECEIVABLE, PurchasingInputError, Receipt, document_of
from syncbot.store import posting, recording
from syncbot.store.purchase_orders import line_for, lock_order, require, settle, state_of
from syncbot.store.purchasing_models import PurchaseOrderLine, SupplierItem


@dataclass(frozen=True, slots=True)
class ReceiptRequest:
    """One line's receipt as asked for: its content is what a receipt key stands for."""

    sku: str
    quantity: int
    damaged: int = 0
    unit_cost: Decimal | None = None
    force: bool = False

    def content(self) -> dict[str, object]:
        return {
            "sku": self.sku,
            "quantity": self.quantity,
            "damaged": self.damaged,
            "unit_cost": None if self.unit_cost is None else str(self.unit_cost),
            "force": self.force,
        }


class _Replay(Exception):
    """The key was claimed by a twin that committed first: leave the transaction."""


def _digest(number: str, requests: list[ReceiptRequest] | None) -> str:
    content = {
        "order": number,
        "lines": None if requests is None else [r.content() for r in requests],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _check_key(key: str | None) -> None:
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH - 16:
        raise InvalidMovement("a receipt key has 1 to 239 characters")


async def receive(
    number: str,
    requests: list[ReceiptRequest] | None,
    *,
    actor: str,
    key: str | None = None,
    key_namespace: str = "",
) -> posting.PostingResult:
    """Receives the given lines, or (`requests` None) every open line in full at its cost,
    in one posting. Raises OverReceipt, WrongState, LineNotOnOrder, IdempotencyConflict."""
    _check_key(key)
    for request in requests or []:
        check_quantity(request.quantity)
    stored_key = None if key is None else key_namespace + key
    digest = _digest(number, requests)
    try:
        async with in_transaction() as connection:
            result = await _receive_locked(connection, number, requests, stored_key, digest, actor)
    except (_Replay, IntegrityError):
        if stored_key is None or key is None:
            raise
        attempted: list[dict[str, object]] = [{"order": number}]
        attempted += [r.content() for r in requests or []]
        return await posting.replay_key(stored_key, key, digest, attempted, actor)
    recording.count_posting(result)
    return result


async def _receive_locked(
    connection: BaseDBAsyncClient,
    number: str,
    requests: list[ReceiptRequest] | None,
    stored_key: str | None,
    digest: str,
    actor: str,
) -> posting.PostingResult:
    """Steps 1 to 4 of the module's docstring, inside the caller's transaction."""
    order, lines = await lock_order(connection, number)
    if stored_key is not None and await posting.key_taken(connection, stored_key):
        raise _Replay
    require(order, RECEIVABLE, "receiving")
    chosen = _requests_for(requests, lines)
    if not chosen:
        raise PurchasingInputError(f"purchase order {number} has nothing left to receive")
    movements: list[Movement] = []
    for request in chosen:
        line = line_for(order, lines, request.sku)
        movements += _apply(order.number, order.location_id, line, request)
    provenance = posting.Provenance(actor=actor, document=document_of(number))
    result = await posting.post_within(
        connection, movements, key=stored_key, digest=digest, provenance=provenance
    )
    await settle(connection, order, lines, [], actor)
    await _remember_costs(connection, order.supplier_id, chosen, lines)
    return result


def _requests_for(
    requests: list[ReceiptRequest] | None, lines: list[PurchaseOrderLine]
) -> list[ReceiptRequest]:
    if requests is not None:
        return requests
    return [
        ReceiptRequest(line.sku_id, state_of(line).open)
        for line in lines
        if state_of(line).open > 0
    ]


def _apply(
    number: str, location: str, line: PurchaseOrderLine, request: ReceiptRequest
) -> list[Movement]:
    """The line's counters after the receipt, and the receipt's movements."""
    receipt = Receipt.split(
        state_of(line),
        request.quantity,
        request.damaged,
        number=number,
        sku=line.sku_id,
        force=request.force,
    )
    line.received += receipt.from_incoming
    line.over_received += receipt.excess
    line.received_damaged += receipt.damaged
    cost = Decimal(line.unit_cost) if request.unit_cost is None else request.unit_cost
    return receipt.movements(line.sku_id, location, cost, f"{number} received")


async def _remember_costs(
    connection: BaseDBAsyncClient,
    supplier_id: int,
    chosen: list[ReceiptRequest],
    lines: list[PurchaseOrderLine],
) -> None:
    """A supplier's terms for a SKU keep the last cost it was received at."""
    costs = {line.sku_id: Decimal(line.unit_cost) for line in lines}
    for request in chosen:
        cost = request.unit_cost if request.unit_cost is not None else costs[request.sku]
        await (
            SupplierItem.filter(supplier_id=supplier_id, sku_id=request.sku)
            .using_db(connection)
            .update(last_unit_cost=cost)
        )
