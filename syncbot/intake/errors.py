"""What a person reads about a delivery that failed: sentences, never an exception's repr.

An exception the processor did not expect is a bug in syncbot, not in the payload: it is
described with its type and message, and says the delivery is kept for a retry once the
bug is fixed. Errors stored before this rule are reworded when shown, by the inbox's read
model (`syncbot.store.inbox_entries.readable`).
"""

from __future__ import annotations

MAX_MESSAGE = 300


def describe(error: BaseException) -> str:
    """An unexpected error while processing, as one readable line."""
    return f"{type(error).__name__}: {_message(error)} (processing bug; the delivery is kept)"


def _message(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return f"no {error.args[0]!r} where the processor expected one"
    text = str(error).strip() or "no message"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"
