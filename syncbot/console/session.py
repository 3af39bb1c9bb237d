"""Signing in and out of the console.

The sign-in form has no session yet, so its CSRF token is a double-submit one: a random value
both in a cookie and in the form, which a page on another site can set in neither.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from syncbot.app import sessions
from syncbot.app.roles import Role
from syncbot.console.pages import (
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Console,
    ConsoleUser,
    PageError,
    local_url,
)

SIGN_IN_CSRF_COOKIE = "syncbot_sign_in"


def routes(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def sign_in_page(
        request: Request,
        next_url: str,
        *,
        name: str = "",
        error: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = console.render(
            request,
            "sign_in.html",
            None,
            page="sign-in",
            status=status,
            headers=headers,
            next_url=next_url,
            name=name,
            error=error,
            csrf=token,
        )
        response.set_cookie(
            SIGN_IN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=console.secure_cookies,
            path="/sign-in",
        )
        return response

    @router.get("/sign-in")
    async def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
        return sign_in_page(request, local_url(next))

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        next_url = local_url(str(form.get("next", "/")))
        expected = request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
        if not sessions.csrf_matches(expected, str(form.get("csrf", ""))):
            raise PageError(
                403,
                "This sign-in form did not come from this console, or it expired: reload the "
                "sign-in page and try again (cookies must be allowed for this site).",
            )
        address = request.client.host if request.client else "unknown"
        try:
            signed = await sessions.sign_in(name, password, address)
        except sessions.TooManyAttempts as refusal:
            seconds = int(refusal.retry_after.total_seconds()) + 1
            return sign_in_page(
                request,
                next_url,
                name=name,
                error=str(refusal),
                status=429,
                headers={"Retry-After": str(seconds)},
            )
        except sessions.SignInRefused as refusal:
            return sign_in_page(request, next_url, name=name, error=str(refusal), status=401)
        response = RedirectResponse(next_url, status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(
            SESSION_COOKIE,
            signed.cookie,
            max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=console.secure_cookies,
            path="/",
        )
        response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/sign-in")
        return response

    @router.post("/sign-out")
    async def sign_out(
        request: Request,
        user: ConsoleUser = Depends(console.user(Role.VIEWER)),  # noqa: B008 (see pages.Console.user)
    ) -> Response:
        await console.form(request, user)
        await sessions.sign_out(request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse("/sign-in", status_code=303, headers=SECURITY_HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
