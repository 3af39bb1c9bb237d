"""What a person reads about a delivery that failed: sentences, never an exception's repr.

An exception the processor did not expect is a bug in syncbot, not in the payload: it is
described with its type and message, and says the delivery is kept for a retry once the
bug is fixed. Errors stored before this rule (a bare `'restock_type'` from a KeyError, or
`KeyError('x')`) are rendered as sentences when shown.
"""

from __future__ import annotations

import re

MAX_MESSAGE = 300
_BARE_KEY = re.compile(r"'([^'\n]{1,200})'")
_REPR = re.compile(r"(\w+(?:Error|Exception))\((.*)\)", re.DOTALL)


def describe(error: BaseException) -> str:
    """An unexpected error while processing, as one readable line."""
    return f"{type(error).__name__}: {_message(error)} (processing bug; the delivery is kept)"


def _message(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return f"no {error.args[0]!r} where the processor expected one"
    text = str(error).strip() or "no message"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def readable(stored: str | None) -> str | None:
    """A stored error as a sentence: raw KeyError text and exception reprs are reworded."""
    if stored is None:
        return None
    if _BARE_KEY.fullmatch(stored):
        return f"the payload has no {stored}"
    if (found := _REPR.fullmatch(stored)) is not None:
        name, inner = found.groups()
        if name == "KeyError" and _BARE_KEY.fullmatch(inner):
            return f"the payload has no {inner}"
        return f"{name}: {inner.strip() or 'no message'}"
    prefix, colon, tail = stored.rpartition(": ")
    if colon and _BARE_KEY.fullmatch(tail):
        return f"{prefix}: the payload has no {tail}"
    return stored
