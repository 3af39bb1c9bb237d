"""What every console page shares: who is signed in, the CSRF check, and rendering.

A page module asks for `console.user(Role.X)` as a dependency, reads a posted form with
`await console.form(request, user)`, and answers `console.render(...)`. Refusals are
`PageError`s, which `console.app` renders as a page with the right status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from syncbot.app import sessions
from syncbot.app.actor import Actor
from syncbot.app.roles import Role
from syncbot.app.syncing import ChannelSyncs
from syncbot.ledger.costing import DEFAULT_CURRENCY

SESSION_COOKIE = "syncbot_session"
HERE = Path(__file__).parent

# The pages' security headers. No inline script may run ('self' only): a script injected
# through a SKU name could not run even if escaping failed. Inline styles are allowed, for
# the server-rendered SVG charts.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in: the actor their movements record and the role they hold."""

    name: str
    role: Role
    csrf: str

    @property
    def actor(self) -> Actor:
        return Actor.web(self.name)

    def may(self, needed: Role) -> bool:
        return self.role.allows(needed)


class PageError(Exception):
    """A refusal shown as a page: `status` and a message fit for a person."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SignInRequired(Exception):
    """No live session: the browser is sent to sign in, then back to `next`."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def local_url(url: str | None, default: str = "/") -> str:
    """`url` when it is a path on this site, else `default`: never redirect elsewhere."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return default
    return url


def iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


class Console:
    """The console's shared pieces, built once per app."""

    def __init__(
        self,
        *,
        secure_cookies: bool,
        locations: list[str] | None = None,
        channel_syncs: ChannelSyncs | None = None,
        currency: str = DEFAULT_CURRENCY,
    ) -> None:
        self.secure_cookies = secure_cookies
        self.currency = currency
        """The installation's currency (SYNCBOT_CURRENCY): what report amounts are in."""
        self.locations = list(locations or [])
        self.channel_syncs = channel_syncs
        """The channels "sync now" and "dry run" reach (None: this process syncs nothing)."""
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals["Role"] = Role
        self.templates.env.filters["iso"] = iso
        self.templates.env.filters["urlquote"] = lambda text: quote(str(text), safe="")

    def user(self, needed: Role = Role.VIEWER) -> Callable[[Request], Awaitable[ConsoleUser]]:
        """A dependency answering the signed-in user; sends the browser to sign in when
        there is none, and refuses with a 403 page below `needed`."""

        async def signed_in(request: Request) -> ConsoleUser:
            session = await sessions.session_of(request.cookies.get(SESSION_COOKIE, ""))
            if session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise SignInRequired(target)
            user = ConsoleUser(session.user, session.role, session.csrf)
            request.state.console_user = user
            if not user.may(needed):
                raise PageError(
                    403,
                    f"This needs the {needed} role; you are signed in as {user.name}, "
                    f"a {user.role}. An admin can change your role.",
                )
            return user

        return signed_in

    async def form(self, request: Request, user: ConsoleUser) -> FormData:
        """The posted form, refused unless it carries this session's CSRF token."""
        form = await request.form()
        given = form.get("csrf")
        if not isinstance(given, str) or not sessions.csrf_matches(user.csrf, given):
            raise PageError(
                403,
                "This form did not come from this console, or your session changed since it "
                "was shown: go back, reload the page and send it again.",
            )
        return form

    def render(
        self,
        request: Request,
        template: str,
        user: ConsoleUser | None,
        *,
        page: str = "",
        status: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """The template, within the layout, with the user and the current page marked."""
        return self.templates.TemplateResponse(
            request,
            template,
            {"user": user, "page": page, **context},
            status_code=status,
            headers={**SECURITY_HEADERS, **(headers or {})},
        )


def url_with(path: str, **params: object) -> str:
    """`path` with the query parameters that are set (None, "" and False are left out)."""
    kept = {key: value for key, value in params.items() if value not in (None, "", False)}
    return path + (f"?{urlencode(kept)}" if kept else "")


def csv_download(chunks: AsyncIterator[str], filename: str) -> StreamingResponse:
    """A streamed CSV file the browser saves as `filename`."""
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
