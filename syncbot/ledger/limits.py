"""What the store can hold, stated once: every edge (webhooks, API, CLI, Slack) checks
against these, so SQLite and PostgreSQL accept and refuse the same inputs.

PostgreSQL refuses a NUL character in text and a string over its column's length, where
SQLite would store either; checking here makes both behave like the stricter one.
"""

from __future__ import annotations

from syncbot.ledger.errors import quoted
from syncbot.ledger.movements import MAX_QUANTITY

MAX_SKU_LENGTH = 128
MAX_LOCATION_LENGTH = 64
MAX_CHANNEL_LENGTH = 64
MAX_ORDER_ID_LENGTH = 64
MAX_LINE_ID_LENGTH = 64
MAX_NAME_LENGTH = 255
MAX_REASON_LENGTH = 500
MAX_DOCUMENT_LENGTH = 500
MAX_EVENT_ID_LENGTH = 255
MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_TOPIC_LENGTH = 128
MAX_BIGINT = 2**63 - 1
"""A count held in a BIGINT column (reorder points, balances): the database's limit."""
MIN_BIGINT = -(2**63)

__all__ = [
    "MAX_BIGINT",
    "MAX_CHANNEL_LENGTH",
    "MAX_DOCUMENT_LENGTH",
    "MAX_EVENT_ID_LENGTH",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "MAX_LINE_ID_LENGTH",
    "MAX_LOCATION_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_ORDER_ID_LENGTH",
    "MAX_QUANTITY",
    "MAX_REASON_LENGTH",
    "MAX_SKU_LENGTH",
    "MAX_TOPIC_LENGTH",
    "MIN_BIGINT",
    "integer_problem",
    "quoted",
    "text_problem",
]


def text_problem(value: str, field: str, max_length: int) -> str | None:
    """Why the store cannot hold `value` as `field`, or None when it can.

    The message names the field and the limit, and quotes at most 80 characters of the
    value, so a hostile 100,000-character input is never echoed back whole.
    """
    if "\x00" in value:
        return f"{field} contains a NUL character, which cannot be stored"
    if len(value) > max_length:
        return (
            f"{field} is {len(value)} characters long, over the limit of {max_length}: "
            f"{quoted(value)}"
        )
    return None


def integer_problem(
    value: int, field: str, low: int = MIN_BIGINT, high: int = MAX_BIGINT
) -> str | None:
    """Why `value` cannot be stored as `field` (a BIGINT unless told), or None when it can."""
    if low <= value <= high:
        return None
    return f"{field} {quoted(str(value))} is outside the range {low} to {high}"
