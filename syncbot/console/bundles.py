"""The console's bundles: the list of every bundle with its recipe and availability, and
the manager's recipe forms (on the list for a new bundle, on a SKU's card for its own).

    GET  /bundles?q=&page=   bundles by code, 50 to a page; `q` finds a bundle or a
                             component code (viewer)
    POST /bundles            a recipe for the SKU typed (`bundle`, `components` one
                             SKU:QTY a line, `add` to add a SKU not yet in the catalogue),
                             then 303 to its card (manager)
    POST /bundles/{code}     `action=set`: give the SKU the typed recipe, replacing any;
                             `action=remove` with `confirm`: make it a plain SKU again;
                             then 303 to its card (manager)

A refusal (an unknown SKU, a nested bundle, a SKU holding stock, a bad quantity) answers
422 with the same page, what was typed kept and the error beside its field; nothing is
written. The rules themselves are the app layer's (`syncbot.app.bundles`), as for the CLI
and the API.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import bundles
from syncbot.app.roles import Role
from syncbot.console.bundle_form import BundleForm, components_of, refusal_field
from syncbot.console.pages import SECURITY_HEADERS, Console, ConsoleUser, PageError, url_with
from syncbot.console.skus import MAX_PAGE, MAX_QUERY, PAGE_SIZE, card_page
from syncbot.ledger import LedgerError, UnknownSku
from syncbot.ledger.bundles import NotABundle


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    viewer, manager = console.user(Role.VIEWER), console.user(Role.MANAGER)

    @router.get("/bundles")
    async def bundle_list(
        request: Request,
        q: str | None = None,
        page: str | None = None,
        user: ConsoleUser = Depends(viewer),  # noqa: B008 (see pages.Console.user)
    ) -> HTMLResponse:
        return await _list_page(console, request, user, q, page, BundleForm())

    @router.post("/bundles")
    async def define(
        request: Request,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        form = BundleForm(
            str(posted.get("bundle", "")).strip(),
            str(posted.get("components", "")),
            posted.get("add") == "on",
        )
        if not form.bundle:
            form = form.refused("bundle", "type the bundle's SKU code, like GIFT-1")
        refused = form if form.errors else await _set(form, user)
        if refused is None:
            return _see(form.bundle, "saved")
        if refused.errors.get("bundle", "").startswith("unknown SKU") and not form.add:
            refused = refused.refused(
                "bundle", refused.errors["bundle"] + ", or tick “Add the SKU to the catalogue”"
            )
        return await _list_page(console, request, user, None, None, refused, status=422)

    @router.post("/bundles/{code:path}")
    async def change(
        request: Request,
        code: str,
        user: ConsoleUser = Depends(manager),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        posted = await console.form(request, user)
        if posted.get("action") == "remove":
            if posted.get("confirm") != "on":
                raise PageError(
                    422,
                    f"Nothing was changed: tick the box to confirm that {code} becomes a plain "
                    "SKU again, then send the form again.",
                )
            try:
                await bundles.remove(code)
            except (UnknownSku, NotABundle) as refusal:
                raise PageError(404, str(refusal)) from refusal
            return _see(code, "removed")
        form = BundleForm(code, str(posted.get("components", "")))
        refused = await _set(form, user)
        if refused is None:
            return _see(code, "saved")
        return await card_page(console, request, user, code, status=422, bundle_form=refused)

    return router


async def _set(form: BundleForm, user: ConsoleUser) -> BundleForm | None:
    """Sets the typed recipe; None when it was stored, else the form with its refusal."""
    parts = components_of(form)
    if isinstance(parts, BundleForm):
        return parts
    try:
        await bundles.set_recipe(form.bundle, parts, user.actor, add=form.add)
    except LedgerError as refusal:
        return form.refused(refusal_field(form, refusal), str(refusal))
    return None


def _see(code: str, done: str) -> RedirectResponse:
    """Post/Redirect/Get to the SKU card, which says what was recorded."""
    url = f"/skus/{quote(code, safe='/')}?bundle={done}#bundle"
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def _page_number(text: str | None) -> int:
    if not text:
        return 1
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not 1 <= int(text) <= MAX_PAGE:
        raise PageError(400, f"the page must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


def _search(q: str | None) -> str:
    text = (q or "").strip()
    if len(text) > MAX_QUERY:
        raise PageError(400, f"the search is {len(text)} characters long: use at most {MAX_QUERY}")
    if not text.isprintable():
        raise PageError(400, "the search holds a control character: type letters and digits")
    return text


def _matches(stored: bundles.StoredRecipe, text: str) -> bool:
    wanted = text.casefold()
    codes = [stored.recipe.bundle, *(part.sku for part in stored.recipe.components)]
    return any(wanted in code.casefold() for code in codes)


async def _list_page(
    console: Console,
    request: Request,
    user: ConsoleUser,
    q: str | None,
    page: str | None,
    form: BundleForm,
    *,
    status: int = 200,
) -> HTMLResponse:
    text, number = _search(q), _page_number(page)
    found = [one for one in await bundles.list_recipes() if not text or _matches(one, text)]
    shown = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    # One availability read for the page's bundles, never one per bundle.
    stock = await bundles.availability([one.recipe.bundle for one in shown]) if shown else {}
    return console.render(
        request,
        "bundles.html",
        user,
        page="bundles",
        status=status,
        text=text,
        rows=[(one, stock.get(one.recipe.bundle)) for one in shown],
        page_number=number,
        has_next=len(found) > number * PAGE_SIZE,
        url_for_page=lambda n: url_with("/bundles", q=text, page=n if n > 1 else None),
        form=form,
    )
