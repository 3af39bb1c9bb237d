"""The console's stock-take forms: a new session, and one count typed on a session's page
or sent by the scan page's form when the browser runs no script.

GET  /stocktakes/new           the start form (manager)
POST /stocktakes/new           opens a session, 303 to its page; refused: 422, each error
                               beside its field, nothing written
POST /stocktakes/{ref}/count   one count (clerk): `code` (a SKU or a barcode), `quantity`,
                               `mode` set|add, `area`, `key` (a form counts once);
                               `back=scan` answers with the scan page
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from syncbot.app import catalogue, stocktakes
from syncbot.app.roles import Role
from syncbot.console.pages import Console, ConsoleUser, PageError
from syncbot.console.stocktakes import see, session_page_of
from syncbot.ledger import LedgerError, UnknownLocation, UnknownSku
from syncbot.ledger.stocktake import (
    OverlappingStocktake,
    StocktakeClosed,
    StocktakeInputError,
    UnknownStocktake,
)

Ref = Annotated[str, Path(min_length=1, max_length=64)]
NEW_FIELDS = ("name", "location", "pattern", "skus", "units", "percent", "value")
COUNT_FIELDS = ("code", "quantity", "mode", "area", "key", "back")


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    clerk, manager = console.user(Role.CLERK), console.user(Role.MANAGER)

    @router.get("/stocktakes/new")
    async def new_form(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await _new_page(console, request, user, {"location": "main"}, {})

    @router.post("/stocktakes/new")
    async def start(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        values = {name: str(posted.get(name, "")).strip() for name in NEW_FIELDS}
        values["blind"] = "on" if posted.get("blind") == "on" else ""
        errors: dict[str, str] = {}
        units = _whole_or_none(values["units"], "units", errors)
        named = values["skus"].split()
        if values["pattern"] and named:
            errors["skus"] = "give a pattern or a list of SKUs, not both"
        if not errors:
            try:
                session = await stocktakes.start(
                    user.actor,
                    location=values["location"] or "main",
                    pattern=values["pattern"] or None,
                    skus=named or None,
                    blind=bool(values["blind"]),
                    name=values["name"] or None,
                    limits=stocktakes.thresholds(
                        units, values["percent"] or None, values["value"] or None
                    ),
                )
            except LedgerError as refusal:
                errors[_start_field(refusal, values)] = str(refusal)
            else:
                return see(session.id, done=f"Started over {session.lines} SKU(s)")
        return await _new_page(console, request, user, values, errors, status=422)

    @router.post("/stocktakes/{ref}/count")
    async def count(
        request: Request,
        ref: Ref,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        values = {name: str(posted.get(name, "")).strip() for name in COUNT_FIELDS}
        errors: dict[str, str] = {}
        quantity = _whole_or_none(values["quantity"] or "1", "quantity", errors)
        if not values["code"]:
            errors["code"] = "scan or type a SKU or a barcode"
        if not errors and quantity is not None:
            try:
                counted = await stocktakes.count(
                    ref, values["code"], quantity, user.actor,
                    area=values["area"], key=values["key"] or None,
                    mode=values["mode"] or "set",
                )  # fmt: skip
            except (UnknownStocktake, StocktakeClosed) as refusal:
                status = 404 if isinstance(refusal, UnknownStocktake) else 409
                raise PageError(status, str(refusal)) from refusal
            except LedgerError as refusal:
                field = "quantity" if isinstance(refusal, StocktakeInputError) else "code"
                errors["area" if "area" in str(refusal) else field] = str(refusal)
            else:
                shown = f"{counted.line.sku} counted {counted.line.counted}"
                return see(counted.session, _back(values), counted=shown)
        if values["back"] == "scan":  # the scan page without script: the refusal, plainly
            return see(ref, "/scan", error=" ".join(errors.values()), code=values["code"])
        return await session_page_of(
            console, request, user, ref, status=422, refused=(values, errors)
        )

    return router


def _back(values: dict[str, str]) -> str:
    return "/scan" if values["back"] == "scan" else ""


def _whole_or_none(text: str, name: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        errors[name] = f"{name} is a whole number, like 4"
        return None
    return int(text)


def _start_field(refusal: LedgerError, values: dict[str, str]) -> str:
    message = str(refusal)
    if isinstance(refusal, UnknownLocation):
        return "location"
    if isinstance(refusal, UnknownSku | OverlappingStocktake):
        return "skus" if values["skus"] else "pattern"
    for field, word in (("name", "name"), ("percent", "percent"), ("value", "value")):
        if word in message:
            return field
    if "units" in message:
        return "units"
    return "pattern" if values["pattern"] else "skus"


async def _new_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> HTMLResponse:
    return console.render(
        request,
        "stocktake_new.html",
        user,
        page="stocktakes",
        status=status,
        v=values,
        e=errors,
        locations=await catalogue.list_locations(),
    )
