"""The console as part of the web app: its pages, static files and refusal pages."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from syncbot.console import (
    admin,
    bundles,
    channels,
    inbox,
    live,
    overview,
    purchase_order_forms,
    purchase_orders,
    record,
    replenish,
    reports,
    session,
    skus,
    stocktake_forms,
    stocktake_scan,
    stocktakes,
    valuation,
)
from syncbot.console.pages import HERE, SECURITY_HEADERS, Console, PageError, SignInRequired

PAGE_MODULES = (
    session,
    overview,
    skus,
    bundles,
    valuation,
    reports,
    record,
    purchase_order_forms,
    purchase_orders,
    replenish,
    stocktake_forms,
    stocktake_scan,
    stocktakes,
    channels,
    inbox,
    admin,
    live,
)


def install_console(app: FastAPI, console: Console) -> None:
    """Adds every console page, `/static/`, and the pages refusals answer with."""
    for module in PAGE_MODULES:
        app.include_router(module.routes(console))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def refused(request: Request, problem: Exception) -> HTMLResponse:
        assert isinstance(problem, PageError)
        user = getattr(request.state, "console_user", None)
        return console.render(
            request,
            "error.html",
            user,
            status=problem.status,
            headers=problem.headers,
            message=problem.message,
            status_code=problem.status,
        )

    async def sign_in_first(request: Request, problem: Exception) -> Response:
        assert isinstance(problem, SignInRequired)
        target = request.url_for("sign_in_form").include_query_params(next=problem.next_url)
        return RedirectResponse(
            f"{target.path}?{target.query}", status_code=303, headers=SECURITY_HEADERS
        )

    app.add_exception_handler(PageError, refused)
    app.add_exception_handler(SignInRequired, sign_in_first)
