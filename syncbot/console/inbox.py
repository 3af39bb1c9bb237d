"""The console's inbox pages: deliveries not applied (retry, skip) and parked order lines
(add the SKU they wait for, which applies them).

Reading needs a viewer; retrying, skipping and adding a SKU need a manager, as in
`syncbot.app.roles` (adding a SKU is catalogue management).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import catalogue, inbox
from syncbot.app.roles import Role
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError
from syncbot.ledger import ValidationError
from syncbot.ledger.limits import MAX_BIGINT, MAX_NAME_LENGTH, text_problem

PAGE_SIZE = 50
# Parked lines: a page of SKU groups, each showing its oldest lines, so one SKU with
# thousands of lines (a storefront selling a code syncbot lacks) keeps the page small.
PARKED_PER_PAGE = 50
LINES_PER_GROUP = 20
MAX_PAGE = 100_000
# A path id beyond BIGINT can name no row: 422 here, rather than an overflow in the driver.
DeliveryId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]


def _whole(text: str | None, what: str, low: int = 1, high: int = MAX_BIGINT) -> int:
    """A whole number from a query string or form, from `low` to `high`; else a 400 page."""
    # ASCII digits only ('²'.isdigit() is true, and int() refuses it), and few of them.
    if (
        text is None
        or not (text.isascii() and text.isdigit() and len(text) <= 19)
        or not low <= int(text) <= high
    ):
        raise PageError(400, f"{what} must be a whole number from {low} to {high}")
    return int(text)


def _inbox_url(
    state: str | None = None,
    page: int = 1,
    *,
    retried: int | None = None,
    skipped: int | None = None,
) -> str:
    """The list's stable URL: its filter and page, and what the last change did."""
    query = {"state": state, "page": page if page > 1 else None}
    query |= {"retried": retried, "skipped": skipped}
    kept = {key: value for key, value in query.items() if value not in (None, "")}
    return "/inbox" + (f"?{urlencode(kept)}" if kept else "")


def _back_to_inbox(
    state: str | None = None, *, retried: int | None = None, skipped: int | None = None
) -> RedirectResponse:
    """After a change, the list again (so a reload never sends the form twice)."""
    url = _inbox_url(state, retried=retried, skipped=skipped)
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


class _Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


async def _added(code: str, name: str) -> catalogue.AddedSku:
    """Adds the SKU `code`, checked as `syncbot sku add` checks it; _Refused says why not."""
    if (problem := text_problem(name, "the name", MAX_NAME_LENGTH)) is not None:
        raise _Refused(problem, 422)
    try:
        catalogue.check_new_sku(code)
        return await catalogue.add_sku(code, name)
    except catalogue.SkuExists as refusal:
        raise _Refused(str(refusal), 409) from refusal
    except ValidationError as refusal:
        raise _Refused(str(refusal), 422) from refusal


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer = console.user(Role.VIEWER)
    manager = console.user(Role.MANAGER)

    @router.get("/inbox")
    async def inbox_page(
        request: Request,
        state: str | None = None,
        page: str | None = None,
        retried: str | None = None,
        skipped: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        number = 1 if not page else _whole(page, "the page", high=MAX_PAGE)
        state = state or None
        try:
            rows = await inbox.unfinished(PAGE_SIZE + 1, state, (number - 1) * PAGE_SIZE)
        except inbox.InboxRefusal as refusal:
            raise PageError(400, str(refusal)) from refusal
        closed = None if skipped is None else await inbox.entry(_whole(skipped, "skipped"))
        return console.render(
            request,
            "inbox.html",
            user,
            page="inbox",
            deliveries=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
            page_number=number,
            state=state,
            states=inbox.UNFINISHED,
            retried=None if retried is None else _whole(retried, "retried", low=0),
            skipped=closed,
            url_for_page=lambda n: _inbox_url(state, n),
        )

    @router.post("/inbox/retry")
    async def retry(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        """One delivery (`delivery`), or every failed one (`state=failed`)."""
        form = await console.form(request, user)
        delivery, state = form.get("delivery"), form.get("state")
        if isinstance(delivery, str) and delivery:
            count = await inbox.retry([_whole(delivery, "the delivery")])
        elif state == inbox.FAILED:
            count = await inbox.retry(status=inbox.FAILED)
        else:
            raise PageError(400, "say which delivery to retry, or retry every failed one")
        wake = getattr(request.app.state, "wake_intake", None)
        if count and wake is not None:
            wake()  # the intake loop takes them now rather than at its next sweep
        back = form.get("back")
        state = back if isinstance(back, str) and back in inbox.UNFINISHED else None
        return _back_to_inbox(state, retried=count)

    async def skip_form(
        request: Request,
        user: ConsoleUser,
        delivery_id: int,
        reason: str = "",
        error: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        entry = await inbox.entry(delivery_id)
        if entry is None:
            raise PageError(404, f"no delivery has id {delivery_id}: see the inbox")
        return console.render(
            request,
            "inbox_skip.html",
            user,
            page="inbox",
            status=status,
            entry=entry,
            reason=reason,
            error=error,
        )

    @router.get("/inbox/{delivery_id}/skip")
    async def skip_page(
        request: Request,
        delivery_id: DeliveryId,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await skip_form(request, user, delivery_id)

    @router.post("/inbox/{delivery_id}/skip")
    async def skip(
        request: Request,
        delivery_id: DeliveryId,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        form = await console.form(request, user)
        reason = str(form.get("reason", ""))
        try:
            await inbox.skip(delivery_id, user.actor, reason)
        except inbox.UnknownDelivery as refusal:
            raise PageError(404, str(refusal)) from refusal
        except inbox.AlreadyClosed as refusal:
            return await skip_form(request, user, delivery_id, reason, str(refusal), 409)
        except inbox.InboxRefusal as refusal:  # a blank or over-long reason
            return await skip_form(request, user, delivery_id, reason, str(refusal), 422)
        return _back_to_inbox(skipped=delivery_id)

    async def parked_page(
        request: Request,
        user: ConsoleUser,
        *,
        number: int = 1,
        code: str | None = None,
        name: str = "",
        error: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        """The groups; a refused "Add SKU" keeps its name and shows its error beside it
        (or above the table, when its lines are gone meanwhile)."""
        groups = await catalogue.parked_by_sku(
            PARKED_PER_PAGE + 1, (number - 1) * PARKED_PER_PAGE, LINES_PER_GROUP
        )
        return console.render(
            request,
            "parked.html",
            user,
            page="inbox",
            status=status,
            groups=groups[:PARKED_PER_PAGE],
            has_next=len(groups) > PARKED_PER_PAGE,
            page_number=number,
            url_for_page=lambda n: f"/parked?page={n}",
            refused_code=code,
            refused_name=name,
            error=error,
            error_shown_beside=any(group.sku == code for group in groups),
        )

    @router.get("/parked")
    async def parked(
        request: Request,
        page: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        number = 1 if not page else _whole(page, "the page", high=MAX_PAGE)
        return await parked_page(request, user, number=number)

    @router.post("/parked/add")
    async def add_sku(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        """Adds the SKU the lines wait for, applies them, and shows which were applied."""
        form = await console.form(request, user)
        code, name = str(form.get("sku", "")), str(form.get("name", "")).strip()
        try:
            added = await _added(code, name)
        except _Refused as refusal:
            return await parked_page(
                request, user, code=code, name=name, error=str(refusal), status=refusal.status
            )
        return console.render(request, "parked_added.html", user, page="inbox", added=added)

    return router
