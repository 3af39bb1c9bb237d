"""Order reconciliation, pure: the fold of one line's events (`fold`) and an order's whole
record, the snapshot that wins, the returns that wait and the lines parked (`record`); a
bundle line moved as its components, by the recipe it was taken with (`bundle_lines`)."""

from syncbot.ledger.orders.bundle_lines import LineRecipe
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
    untaken,
)

__all__ = [
    "RETURN",
    "Disposition",
    "LineRecipe",
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
    "untaken",
]
