"""How the service answers a refusal: one JSON shape, one status per kind of error.

Every error answers JSON `{"error": "<message>"}`. The ledger's refusals map to HTTP as:

    UnknownSku, UnknownLocation, UnknownMovement   404  the named thing does not exist
    UndoRefused                                    403  the undo rule needs a higher role
    InsufficientStock                              409  force it, or receive first
    IdempotencyConflict                            409  the key was used for something else
    UnknownSupplier, UnknownPurchaseOrder,
      LineNotOnOrder                               404  no such supplier, order or line
    WrongState, OverReceipt, BelowReceived,
      SupplierExists, PurchaseOrderExists,
      LineExists                                   409  the order's state or a name taken
    UnknownStocktake, NotInStocktake               404  no such session, or the SKU is not in it
    StocktakeClosed, WrongLocation,
      OverlappingStocktake, ApprovalNeeded         409  the session's state or location
    ApprovalRefused                                403  approving needs a manager
    NotABundle                                     404  the SKU has no recipe
    BundleHoldsStock, BundleHoldsNoStock           409  stock on a would-be bundle, or stock
                                                        recorded on a bundle's code
    ValidationError, PolicyError (any other)       422  the request itself is wrong (a cost,
                                                        a date, a quantity)

Every limit of the store is checked before the database sees a value (`web.fields`). As a
safety net, a value the database still refuses (a length, a NUL, a range) answers 422 and
a unique row taken meanwhile 409, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.exceptions import ValidationError as StoreValidationError

from syncbot.app.stock import UndoRefused
from syncbot.ledger import (
    IdempotencyConflict,
    InsufficientStock,
    LedgerError,
    UnknownLocation,
    UnknownMovement,
    UnknownSku,
)
from syncbot.ledger.bundles import BundleHoldsNoStock, BundleHoldsStock, NotABundle
from syncbot.ledger.errors import NotReversible
from syncbot.ledger.purchasing import (
    BelowReceived,
    LineExists,
    LineNotOnOrder,
    OverReceipt,
    PurchaseOrderExists,
    SupplierExists,
    UnknownPurchaseOrder,
    UnknownSupplier,
    WrongState,
)
from syncbot.ledger.stocktake import (
    ApprovalNeeded,
    ApprovalRefused,
    NotInStocktake,
    OverlappingStocktake,
    StocktakeClosed,
    UnknownStocktake,
    WrongLocation,
)

log = logging.getLogger(__name__)

_LEDGER_STATUS: dict[type[LedgerError], int] = {
    UnknownSku: 404,
    UnknownLocation: 404,
    UnknownMovement: 404,
    UndoRefused: 403,
    InsufficientStock: 409,
    NotReversible: 409,
    IdempotencyConflict: 409,
    UnknownSupplier: 404,
    UnknownPurchaseOrder: 404,
    LineNotOnOrder: 404,
    WrongState: 409,
    OverReceipt: 409,
    BelowReceived: 409,
    SupplierExists: 409,
    PurchaseOrderExists: 409,
    LineExists: 409,
    UnknownStocktake: 404,
    NotInStocktake: 404,
    StocktakeClosed: 409,
    WrongLocation: 409,
    OverlappingStocktake: 409,
    ApprovalNeeded: 409,
    ApprovalRefused: 403,
    NotABundle: 404,
    BundleHoldsStock: 409,
    BundleHoldsNoStock: 409,
}


class ErrorOut(BaseModel):
    """Every refusal: a message fit to show a person, saying what to do next."""

    error: str


_MEANINGS = {
    400: "Malformed request: a body that is not JSON, nested too deeply, or a bad header",
    401: "Missing or invalid credentials or signature",
    403: "Forbidden: the token's role is too low for this; the message names the role",
    404: "Not found: the named SKU, location, movement, channel, supplier, purchase order, "
    "order line or stock-take does not exist (or the SKU is not in the stock-take)",
    409: "Conflict: insufficient stock, an order or stock-take in the wrong state (closed, "
    "another location, overlapping, awaiting approval), an over-receipt not forced, a "
    "name taken, or an idempotency key used for something else",
    413: "The request body is larger than SYNCBOT_MAX_BODY_BYTES",
    422: "Invalid input: a field breaks a rule or a limit of the store, which it names",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of the refusals a route can answer (plus 413 and 422,
    which any route can: the body limit stands in front of all, and every parameter is
    checked)."""
    codes = sorted({*statuses, 413, 422})
    return {code: {"model": ErrorOut, "description": _MEANINGS[code]} for code in codes}


Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def install(app: FastAPI) -> None:
    """Registers the handlers, so every refusal answers the same JSON shape."""
    for kind, handler in _HANDLERS.items():
        app.add_exception_handler(kind, handler)


def handler_for(failure: Exception) -> Handler:
    """The handler `install` registers for this exception, chosen as Starlette chooses:
    the nearest class in its MRO. For a route answered in front of FastAPI's stack."""
    return next(_HANDLERS[kind] for kind in type(failure).__mro__ if kind in _HANDLERS)


def reraised(failure: Exception) -> bool:
    """Whether Starlette raises the exception again after its handler answered: only the
    catch-all's (run by ServerErrorMiddleware), so the server logs the traceback once."""
    return handler_for(failure) is _internal_error


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _ledger_refusal(request: Request, refusal: Exception) -> JSONResponse:
    status = next((s for kind, s in _LEDGER_STATUS.items() if isinstance(refusal, kind)), 422)
    return error(status, str(refusal))


async def _invalid_request(request: Request, refusal: Exception) -> JSONResponse:
    assert isinstance(refusal, RequestValidationError)
    return error(422, "; ".join(_describe(problem) for problem in refusal.errors()[:5]))


_SOURCES = frozenset({"body", "query", "path", "header"})


def _describe(problem: Mapping[str, Any]) -> str:
    """`quantity: Input should be a valid integer`, without FastAPI's `body` or `query` prefix.

    A message that already names its field (the store's limits do) is shown as it is.
    """
    where = ".".join(str(part) for part in problem.get("loc", ()) if part not in _SOURCES)
    message = str(problem.get("msg", "invalid input"))
    if tuple(problem.get("loc", ())) == ("body",) and problem.get("type") == "missing":
        return "a JSON body is required: see the route in /docs"
    if not where or message.startswith(where.rsplit(".", 1)[-1]):
        return message
    return f"{where}: {message}"


async def _http_error(request: Request, refusal: Exception) -> JSONResponse:
    assert isinstance(refusal, HTTPException)
    return error(refusal.status_code, str(refusal.detail), refusal.headers)


async def _store_refusal(request: Request, refusal: Exception) -> JSONResponse:
    """A value the database refused though the edge let it through: a gap in the checks,
    logged as one, but still the client's input, so a 4xx."""
    if isinstance(refusal, OperationalError) and not _refused_value(refusal):
        # Handled here, so Starlette does not log it: the traceback is logged now.
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=refusal)
        return error(500, "internal error: the incident is logged, please try again later")
    log.warning(
        "the store refused a value on %s %s: %s",
        request.method,
        request.url.path,
        type(refusal.__cause__ or refusal).__name__,
    )
    if isinstance(refusal, IntegrityError):
        return error(409, "the store refused the request: it conflicts with a recorded row")
    return error(422, "a value is beyond what the store can hold (a length, a NUL or a range)")


def _refused_value(refusal: OperationalError) -> bool:
    """An integrity error, or PostgreSQL's data errors (class 22: NUL, length, range)."""
    if isinstance(refusal, IntegrityError):
        return True
    state = getattr(refusal.__cause__, "sqlstate", None)
    return isinstance(state, str) and state.startswith("22")


async def _too_deep(request: Request, refusal: Exception) -> JSONResponse:
    return error(400, "the body is nested too deeply to be read")


async def _internal_error(request: Request, failure: Exception) -> JSONResponse:
    # Starlette re-raises after this answer, so the traceback reaches the server log once.
    log.error("internal error on %s %s", request.method, request.url.path)
    return error(500, "internal error: the incident is logged, please try again later")


_HANDLERS: dict[type[Exception], Handler] = {  # `install` registers them; Starlette picks by MRO
    LedgerError: _ledger_refusal,
    RequestValidationError: _invalid_request,
    HTTPException: _http_error,
    StoreValidationError: _store_refusal,
    OperationalError: _store_refusal,
    OverflowError: _store_refusal,  # SQLite: an int beyond 64 bits
    RecursionError: _too_deep,
    Exception: _internal_error,
}
