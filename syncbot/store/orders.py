"""Order intake: reconcile a storefront order event against what the ledger applied, once.

One transaction per event: lock the order's record, reconcile (pure, in the domain), post
the difference and save the new state. Lines whose SKU is missing or unknown are parked,
kept with the order's latest snapshot, and applied when the SKU is added. Lines the store
cannot hold (an over-long SKU, a NUL in it, a quantity over the ledger's limit) are parked
with their reason and kept out of the snapshot: the rest of the order is applied.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from syncbot.ledger import Movement
from syncbot.ledger.limits import (
    MAX_BIGINT,
    MAX_LINE_ID_LENGTH,
    MAX_ORDER_ID_LENGTH,
    MAX_QUANTITY,
    MAX_SKU_LENGTH,
    text_problem,
)
from syncbot.ledger.orders import (
    Disposition,
    LineState,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    OrderState,
    ReturnLine,
    apply_return,
    apply_snapshot,
)
from syncbot.store import models
from syncbot.store.posting import PostingResult, Provenance, count_posting, record

RETURN = "return:"  # a parked return line's id: its return line id behind this prefix
Refused = dict[str, dict[str, Any]]
"""Lines the store cannot hold, by parked line id: {sku, quantity, reason}, made storable."""


class UnstorableOrder(ValueError):
    """An order or line id the store cannot hold: the event can never be recorded."""


async def record_order_event(channel: str, event: OrderEvent) -> PostingResult | None:
    """Applies one order event; None when it changed nothing (a duplicate or a stale one).

    Raises UnstorableOrder, before writing anything, for an id the store cannot hold.
    """
    _check_ids(event)
    return await _reconcile(channel, event.order_id, event)


def _check_ids(event: OrderEvent) -> None:
    problems = [text_problem(event.order_id, "order id", MAX_ORDER_ID_LENGTH)]
    for line in event.lines:
        problems.append(text_problem(line.line_id, "line id", MAX_LINE_ID_LENGTH))
        if isinstance(line, ReturnLine):
            limit = MAX_LINE_ID_LENGTH - len(RETURN)
            problems.append(text_problem(line.return_line_id, "return line id", limit))
    found = [problem for problem in problems if problem]
    if found:
        raise UnstorableOrder(f"order {event.order_id[:80]!r}: {found[0]}")


def unholdable(line: OrderLine | ReturnLine) -> str | None:
    """Why the store cannot hold this line, or None when it can."""
    if problem := text_problem(line.sku, "SKU", MAX_SKU_LENGTH):
        return problem
    figures = (
        (line.quantity, line.current, line.fulfilled)
        if isinstance(line, OrderLine)
        else (line.quantity,)
    )
    if (largest := max(figures)) > MAX_QUANTITY:
        return f"quantity {largest} is over the limit of {MAX_QUANTITY}"
    return None


def _refuse(line: OrderLine | ReturnLine, reason: str) -> dict[str, Any]:
    """The line as a parked row can hold it: the reason keeps the exact figures."""
    quantity = line.current if isinstance(line, OrderLine) else line.quantity
    sku = line.sku.replace("\x00", "\\x00")[:MAX_SKU_LENGTH]
    return {"sku": sku, "quantity": min(quantity, MAX_BIGINT), "reason": reason}


def _screen_snapshot(event: OrderSnapshot) -> tuple[OrderSnapshot, Refused]:
    """The snapshot without the lines the store cannot hold, and those lines."""
    refused = {ln.line_id: _refuse(ln, why) for ln in event.lines if (why := unholdable(ln))}
    kept = tuple(line for line in event.lines if line.line_id not in refused)
    return replace(event, lines=kept), refused


def _missing(sku: str) -> str:
    if not sku:
        return "the line has no SKU"
    return f"SKU {sku} is not in syncbot: add it and the line is applied"


async def _reconcile(channel: str, order_id: str, event: OrderEvent | None) -> PostingResult | None:
    """Reconciles an order's stored snapshot and waiting returns, with `event` if any."""
    async with in_transaction() as connection:
        order = await _lock(connection, channel, order_id)
        state, latest, waiting, refused = _decode(order.state)
        if isinstance(event, OrderSnapshot):
            if state.updated_at is None or event.updated_at >= state.updated_at:
                latest, refused_lines = _screen_snapshot(event)
                refused = {k: v for k, v in refused.items() if k.startswith(RETURN)}
                refused |= refused_lines
        elif isinstance(event, OrderReturn):
            seen = state.returns_applied | {line.return_line_id for line in waiting}
            for line in event.lines:
                key = RETURN + line.return_line_id
                if line.return_line_id in seen or key in refused:
                    continue
                if why := unholdable(line):
                    refused[key] = _refuse(line, why)
                else:
                    waiting.append(line)
        known = await _known_skus(connection, latest, waiting)
        state, movements, waiting = _apply(state, latest, waiting, known)
        await _park(connection, channel, order_id, latest, waiting, known, refused)
        result = None
        if movements:
            provenance = Provenance(actor=channel, document=f"{channel}/orders/{order_id}")
            result = await record(connection, movements, provenance)
        order.state = _encode(state, latest, waiting, refused)
        order.updated_at = state.updated_at
        await order.save(using_db=connection)
    if result is not None:
        count_posting(result)
    return result


async def apply_parked(sku: str) -> int:
    """Applies every parked line of a SKU just added; returns how many orders moved stock."""
    orders = await models.ParkedLine.filter(sku=sku).distinct().values_list("channel", "order_id")
    applied = 0
    for channel, order_id in orders:
        if await _reconcile(channel, order_id, None) is not None:
            applied += 1
    return applied


def _apply(
    state: OrderState,
    latest: OrderSnapshot | None,
    waiting: list[ReturnLine],
    known: set[str],
) -> tuple[OrderState, list[Movement], list[ReturnLine]]:
    """Reconciles the latest snapshot's known lines, then every return line now possible."""
    movements: list[Movement] = []
    if latest is not None:
        visible = replace(latest, lines=tuple(ln for ln in latest.lines if ln.sku in known))
        state, movements = apply_snapshot(state, visible)
    still_waiting: list[ReturnLine] = []
    for line in waiting:
        if line.sku not in known:
            still_waiting.append(line)
            continue
        state, moved = apply_return(state, line)
        movements += moved
    return state, movements, still_waiting


async def _lock(connection: BaseDBAsyncClient, channel: str, order_id: str) -> models.OrderRecord:
    """The order's record, locked until commit; created on the order's first event."""
    await models.OrderRecord.bulk_create(
        [models.OrderRecord(channel=channel, order_id=order_id, state=_encode(OrderState()))],
        ignore_conflicts=True,
        using_db=connection,
    )
    return (
        await models.OrderRecord.filter(channel=channel, order_id=order_id)
        .select_for_update()
        .using_db(connection)
        .get()
    )


async def _known_skus(
    connection: BaseDBAsyncClient, latest: OrderSnapshot | None, waiting: list[ReturnLine]
) -> set[str]:
    lines: list[OrderLine | ReturnLine] = [*(latest.lines if latest else ()), *waiting]
    wanted = {line.sku for line in lines if line.sku}
    found = await models.Sku.filter(code__in=wanted).using_db(connection)
    return {sku.code for sku in found}


async def _park(
    connection: BaseDBAsyncClient,
    channel: str,
    order_id: str,
    latest: OrderSnapshot | None,
    waiting: list[ReturnLine],
    known: set[str],
    refused: Refused,
) -> None:
    """Replaces the order's parked lines with those still unknown or refused."""
    await models.ParkedLine.filter(channel=channel, order_id=order_id).using_db(connection).delete()
    unknown = [
        (line.line_id, line.sku, line.current)
        for line in (latest.lines if latest else ())
        if line.sku not in known
    ] + [(RETURN + line.return_line_id, line.sku, line.quantity) for line in waiting]
    parked = [
        models.ParkedLine(
            channel=channel,
            order_id=order_id,
            line_id=line_id,
            sku=sku,
            quantity=quantity,
            reason=_missing(sku),
        )
        for line_id, sku, quantity in unknown
    ] + [
        models.ParkedLine(channel=channel, order_id=order_id, line_id=line_id, **line)
        for line_id, line in refused.items()
    ]
    await models.ParkedLine.bulk_create(parked, using_db=connection)


def _encode(
    state: OrderState,
    latest: OrderSnapshot | None = None,
    waiting: list[ReturnLine] | None = None,
    refused: Refused | None = None,
) -> dict[str, Any]:
    return {
        "updated_at": _time(state.updated_at),
        "cancelled": state.cancelled,
        "lines": {line_id: asdict(line) for line_id, line in state.lines.items()},
        "returns_applied": sorted(state.returns_applied),
        "latest": None
        if latest is None
        else {
            "order_id": latest.order_id,
            "updated_at": _time(latest.updated_at),
            "cancelled": latest.cancelled,
            "lines": [asdict(line) for line in latest.lines],
        },
        "waiting": [asdict(line) for line in waiting or []],
        "refused": refused or {},
    }


def _decode(
    stored: dict[str, Any],
) -> tuple[OrderState, OrderSnapshot | None, list[ReturnLine], Refused]:
    state = OrderState(
        updated_at=_parse_time(stored["updated_at"]),
        cancelled=stored["cancelled"],
        lines={line_id: LineState(**line) for line_id, line in stored["lines"].items()},
        returns_applied=frozenset(stored["returns_applied"]),
    )
    latest = None
    if (snapshot := stored["latest"]) is not None:
        updated_at = _parse_time(snapshot["updated_at"])
        assert updated_at is not None
        latest = OrderSnapshot(
            order_id=snapshot["order_id"],
            updated_at=updated_at,
            cancelled=snapshot["cancelled"],
            lines=tuple(OrderLine(**line) for line in snapshot["lines"]),
        )
    waiting = [
        ReturnLine(**{**line, "disposition": Disposition(line["disposition"])})
        for line in stored["waiting"]
    ]
    return state, latest, waiting, dict(stored.get("refused", {}))


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
