"""The database's errors as callers above the store tell them apart, without Tortoise.

STORE_ERRORS       anything the database or its driver raised for one try
refused_value()    of those, a value the database refuses: retrying cannot help
"""

from __future__ import annotations

from tortoise.exceptions import (
    DBConnectionError,
    IntegrityError,
    OperationalError,
    TransactionManagementError,
)

STORE_ERRORS = (DBConnectionError, IntegrityError, OperationalError, TransactionManagementError)


def refused_value(error: BaseException) -> bool:
    """A value the database refuses (too long, out of range, a NUL): Tortoise wraps
    asyncpg's DataError in an OperationalError; retrying the same payload cannot help."""
    cause = error.__cause__
    return cause is not None and any(
        kind.__name__ == "DataError" and kind.__module__.startswith("asyncpg")
        for kind in type(cause).__mro__
    )
