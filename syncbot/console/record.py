"""The console's record pages: a form per kind, the movement page that confirms a write,
and Undo or Reverse under the undo rule.

    GET  /record, /record/{kind}      the form (clerk; adjust: manager)
    POST /record/{kind}               record it once per form (its hidden key), then
                                      303 to /movements/{id}, or back to the form with
                                      each error beside its field (422), nothing written
    GET  /movements/{id}              one movement, the stock now, Undo or Reverse
    POST /movements/{id}/reverse      reverse it if `stock.undo` allows, 303 to the reversal
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import catalogue
from syncbot.app import stock as use_stock
from syncbot.app.roles import UNDO_WINDOW, Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.console.record_forms import (
    ADJUSTABLE,
    DIRECTIONS,
    FORMS,
    Filled,
    RecordForm,
    entry,
    place,
    read,
)
from syncbot.ledger import InsufficientStock, LedgerError, UnknownMovement, UnknownSku
from syncbot.ledger.limits import MAX_BIGINT, MAX_SKU_LENGTH

MovementId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
SkuQuery = Annotated[str, Query(max_length=MAX_SKU_LENGTH)]

RECORDED_NOTES = {
    "new": "Recorded.",
    "again": "Already recorded: this form was sent before, so nothing new was recorded.",
    "reversed": "Reversed: this movement undoes the one it reverses.",
    "reversed-before": "That movement was reversed before: this is its reversal; "
    "nothing new was recorded.",
}


def clock() -> datetime:
    """Now, as the undo rule reads it; a dependency, so a test can move time on."""
    return datetime.now(UTC)


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    clerk, viewer = console.user(Role.CLERK), console.user(Role.VIEWER)

    @router.get("/record")
    async def record_page(
        request: Request,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
        sku: SkuQuery = "",
    ) -> HTMLResponse:
        return await _form_page(console, request, user, FORMS["receive"], sku)

    @router.get("/record/{kind}")
    async def record_form(
        request: Request,
        kind: str,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
        sku: SkuQuery = "",
        matched: SkuQuery = "",
    ) -> HTMLResponse:
        form = _form_for(kind, user)
        return await _form_page(console, request, user, form, sku, matched=matched)

    @router.post("/record/{kind}")
    async def record_post(
        request: Request,
        kind: str,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        form = _form_for(kind, user)
        posted = await console.form(request, user)
        locations = await catalogue.list_locations()
        filled = read(form, {k: v for k, v in posted.items() if isinstance(v, str)}, locations)
        if not filled.errors:
            try:
                recorded = await use_stock.record(entry(form, filled), user.actor, _key(filled))
            except LedgerError as refusal:
                place(refusal, filled)
            else:
                return _confirm(form, filled, recorded)
        return await _render_form(console, request, user, form, filled, status=422)

    @router.get("/movements/{movement_id}")
    async def movement_page(
        request: Request,
        movement_id: MovementId,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
        now: datetime = Depends(clock),  # noqa: B008 (FastAPI's way)
        recorded: str = "",
    ) -> HTMLResponse:
        return await _movement_page(console, request, user, movement_id, now, recorded=recorded)

    @router.post("/movements/{movement_id}/reverse")
    async def reverse(
        request: Request,
        movement_id: MovementId,
        user: ConsoleUser = Depends(clerk),  # noqa: B008 (see pages.Console.user)
        now: datetime = Depends(clock),  # noqa: B008 (FastAPI's way)
    ) -> Response:
        posted = await console.form(request, user)
        force = posted.get("force") == "on"
        try:
            undone = await use_stock.undo(movement_id, user.actor, user.role, now, force=force)
        except use_stock.UndoRefused as refusal:
            raise PageError(403, str(refusal)) from refusal
        except UnknownMovement as refusal:
            raise PageError(404, str(refusal)) from refusal
        except InsufficientStock as refusal:
            return await _movement_page(
                console, request, user, movement_id, now, problem=str(refusal), status=409
            )
        note = "reversed" if undone.applied else "reversed-before"
        return _see(f"/movements/{undone.rows[0].id}?recorded={note}")

    return router


def _form_for(kind: str, user: ConsoleUser) -> RecordForm:
    """The form of `kind`: 404 for no such form, 403 below the role its kind needs."""
    form = FORMS.get(kind)
    if form is None:
        raise PageError(404, f"there is no form for {kind[:40]!r}: choose one on /record")
    if not user.may(form.role):
        raise PageError(
            403,
            f"Recording {form.kind} needs the {form.role} role; you are signed in as "
            f"{user.name}, a {user.role}.",
        )
    return form


def _key(filled: Filled) -> str:
    """The form's idempotency key, made when it was shown: a second submit records once."""
    return filled.values["key"]


def _confirm(form: RecordForm, filled: Filled, recorded: use_stock.Recorded) -> RedirectResponse:
    """Post/Redirect/Get: the movement page confirms; a count that matched posts nothing."""
    if not recorded.rows:
        location = filled.values["location"]
        return _see(f"/record/count?sku={_q(recorded.stock.sku)}&matched={_q(location)}")
    note = "new" if recorded.applied else "again"
    return _see(f"/movements/{recorded.rows[0].id}?recorded={note}")


def _again(movement: use_stock.MovementView, user: ConsoleUser) -> str | None:
    """The form to record another of the same kind and SKU, if this user has it."""
    form = FORMS.get(movement.kind)
    if form is None or not user.may(form.role):
        return None
    return f"/record/{form.kind}?sku={_q(movement.sku)}"


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def _q(text: str) -> str:
    return quote(text, safe="")


async def _form_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    form: RecordForm,
    sku: str,
    *,
    matched: str = "",
) -> HTMLResponse:
    locations = await catalogue.list_locations()
    filled = Filled.blank(locations, sku)
    stock = None
    if matched and sku:
        try:
            stock = await use_stock.stock_card(sku)
        except UnknownSku:
            matched = ""
    return await _render_form(
        console, request, user, form, filled, matched=matched, stock=stock, locations=locations
    )


async def _render_form(
    console: Console,
    request: Request,
    user: ConsoleUser,
    form: RecordForm,
    filled: Filled,
    *,
    status: int = 200,
    locations: list[str] | None = None,
    **context: Any,
) -> HTMLResponse:
    forms = [each for each in FORMS.values() if user.may(each.role)]
    return console.render(
        request,
        "record.html",
        user,
        page="record",
        status=status,
        form=form,
        forms=forms,
        filled=filled,
        locations=locations if locations is not None else await catalogue.list_locations(),
        buckets=ADJUSTABLE,
        directions=DIRECTIONS,
        **context,
    )


async def _movement_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    movement_id: int,
    now: datetime,
    *,
    recorded: str = "",
    problem: str = "",
    status: int = 200,
) -> HTMLResponse:
    try:
        movement = await use_stock.movement(movement_id)
    except UnknownMovement as refusal:
        raise PageError(404, str(refusal)) from refusal
    undo_until = movement.recorded_at + UNDO_WINDOW
    return console.render(
        request,
        "movement.html",
        user,
        page="record",
        status=status,
        movement=movement,
        stock=await use_stock.stock_card(movement.sku),
        reversed_by=await use_stock.reversal_of(movement_id),
        may_reverse=use_stock.may_undo(movement, user.actor, user.role, now),
        undoing=movement.actor == user.actor.encode() and now < undo_until,
        undo_until=undo_until,
        again=_again(movement, user),
        note=RECORDED_NOTES.get(recorded, ""),
        problem=problem,
    )
