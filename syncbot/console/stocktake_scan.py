"""The scan page: counting on the floor with a phone or a handheld scanner.

    GET  /stocktakes/{ref}/scan    the page (clerk): one big input a keyboard-wedge scanner
                                   types into; without script its form posts to
                                   `/stocktakes/{ref}/count` (+1 per scan)
    POST /stocktakes/{ref}/scans   one scan as JSON (clerk; the session cookie and the
                                   session's CSRF token in the X-CSRF-Token header):
                                   {"code", "key", "quantity": 1, "mode": "add"|"set",
                                   "area": ""} → 200 {"applied", "sku", "mine", "counted",
                                   "expected", ...}; a refusal is {"error"} with 404 (an
                                   unknown code or session), 409 (closed, not in the
                                   session, a key reused for another count) or 422

`static/scan.js` queues each scan in the browser's localStorage under its own key and
retries a failed request with that key until it is answered, so a scan counts once
(`app.stocktakes.count` replays a key it has seen). `mine` is this counter's count in
that area; `counted` the line's, summed over counters and areas.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from syncbot.app import sessions, stocktakes
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError, SignInRequired
from syncbot.ledger import LedgerError, UnknownSku
from syncbot.ledger.stocktake import (
    CountEntry,
    CountMode,
    StocktakeInputError,
    UnknownStocktake,
)
from syncbot.ledger.stocktake import counted as counted_of

Ref = Annotated[str, Path(min_length=1, max_length=64)]
Shown = Annotated[str, Query(max_length=200)]
CSRF_HEADER = "X-CSRF-Token"


class Scan(BaseModel):
    """One scan as the page sends it (the app checks the quantity, mode and area)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    code: str = Field(min_length=1, max_length=200)
    key: str = Field(min_length=1, max_length=200)
    quantity: int = 1
    mode: Literal["add", "set"] = "add"
    area: str = Field(default="", max_length=200)


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    clerk = console.user(Role.CLERK)

    @router.get("/stocktakes/{ref}/scan")
    async def scan_page(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
        counted: Shown = "",
        error: Shown = "",
        code: Shown = "",
        area: Shown = "",
    ) -> HTMLResponse:
        try:
            view = await stocktakes.counter_view(ref)
        except UnknownStocktake as refusal:
            raise PageError(404, str(refusal)) from refusal
        return console.render(
            request,
            "stocktake_scan.html",
            user,
            page="stocktakes",
            view=view,
            counted=counted,
            error=error,
            code=code,
            area=area,
            counter=user.actor.encode(),
            key=uuid.uuid4().hex,
        )

    @router.post("/stocktakes/{ref}/scans")
    async def scan(request: Request, ref: Ref) -> JSONResponse:
        try:
            user = await clerk(request)
        except SignInRequired:
            return _answer(401, error="your session ended: sign in again (scans wait here)")
        except PageError as refusal:
            return _answer(refusal.status, error=refusal.message)
        if not sessions.csrf_matches(user.csrf, request.headers.get(CSRF_HEADER, "")):
            return _answer(403, error="this page is out of date: reload it (scans wait here)")
        try:
            sent = Scan.model_validate_json(await request.body())
        except ValidationError as problem:
            first = problem.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return _answer(422, error=f"{where}: {first['msg']}")
        return await _count(ref, sent, user)

    return router


async def _count(ref: str, sent: Scan, user: ConsoleUser) -> JSONResponse:
    try:
        answer = await stocktakes.count(
            ref, sent.code, sent.quantity, user.actor, area=sent.area, key=sent.key,
            mode=sent.mode,
        )  # fmt: skip
    except UnknownSku:
        return _answer(404, error=_unknown(sent.code), code=sent.code, unknown=True)
    except UnknownStocktake as refusal:
        return _answer(404, error=str(refusal), code=sent.code)
    except StocktakeInputError as refusal:
        return _answer(422, error=str(refusal), code=sent.code)
    except LedgerError as refusal:
        return _answer(409, error=str(refusal), code=sent.code)
    line, counter = answer.line, user.actor.encode()
    area = answer.count.area
    mine = counted_of(
        [
            CountEntry(c.counter, c.area, c.quantity, CountMode(c.mode), 0)
            for c in line.counts
            if c.counter == counter and c.area == area
        ]
    )
    return _answer(
        200,
        applied=answer.applied,
        session=answer.session,
        code=sent.code,
        key=sent.key,
        sku=line.sku,
        mode=sent.mode,
        quantity=sent.quantity,
        area=area,
        mine=mine,
        counted=line.counted,
        expected=line.expected,
    )


def _unknown(code: str) -> str:
    shown = code if len(code) <= 64 else code[:64] + "…"
    return (
        f"{shown} is neither a SKU nor a barcode here: a manager can give it to its SKU "
        "(`syncbot sku barcode add SKU BARCODE`)"
    )


def _answer(status: int, **body: object) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=SECURITY_HEADERS)
