"""Order reconciliation, pure: the fold of one line's events (`fold`) and an order's whole
record, the snapshot that wins, the returns that wait and the lines parked (`record`)."""

from syncbot.ledger.orders.fold import (
    Disposition,
    LineState,
    OrderEvent,
    OrderLine,
    OrderReturn,
    OrderSnapshot,
    OrderState,
    ReturnLine,
    apply_event,
    apply_return,
    apply_snapshot,
)
from syncbot.ledger.orders.record import (
    RETURN,
    OrderRecord,
    ParkedLine,
    decode,
    encode,
    id_problem,
    receive,
    settle,
    skus,
    unholdable,
)

__all__ = [
    "RETURN",
    "Disposition",
    "LineState",
    "OrderEvent",
    "OrderLine",
    "OrderRecord",
    "OrderReturn",
    "OrderSnapshot",
    "OrderState",
    "ParkedLine",
    "ReturnLine",
    "apply_event",
    "apply_return",
    "apply_snapshot",
    "decode",
    "encode",
    "id_problem",
    "receive",
    "settle",
    "skus",
    "unholdable",
]
