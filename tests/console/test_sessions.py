"""Console sessions over HTTP: cookies, CSRF, sign-out and the users behind a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncbot.app import users
from syncbot.app.sessions import FAILURE_WINDOW, MAX_FAILURES, locked_for
from syncbot.store import people_models

from .conftest import console_app, csrf_in, csrf_of, sign_in

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class TestTheRateLimitRule:
    def test_fewer_failures_than_the_limit_never_lock(self) -> None:
        """MAX_FAILURES - 1 refusals leave the pair free."""
        failures = [NOW - timedelta(seconds=i) for i in range(MAX_FAILURES - 1)][::-1]
        assert locked_for(failures, NOW) is None

    def test_the_lock_lasts_until_the_oldest_failure_leaves_the_window(self) -> None:
        """The lock ends FAILURE_WINDOW after the oldest of the last MAX_FAILURES."""
        failures = [NOW - timedelta(minutes=10 - i) for i in range(MAX_FAILURES)]
        assert locked_for(failures, NOW) == FAILURE_WINDOW - timedelta(minutes=10)

    @given(st.lists(st.integers(min_value=0, max_value=3600), max_size=20))
    def test_a_lock_never_outlasts_the_window(self, ages: list[int]) -> None:
        """Whatever the history, a lock is shorter than the window and only follows
        MAX_FAILURES recent refusals."""
        failures = sorted(NOW - timedelta(seconds=age) for age in ages)
        wait = locked_for(failures, NOW)
        recent = sum(1 for age in ages if timedelta(seconds=age) < FAILURE_WINDOW)
        assert (wait is not None) == (recent >= MAX_FAILURES)
        if wait is not None:
            assert timedelta(0) < wait <= FAILURE_WINDOW


async def test_the_session_cookie_is_httponly_and_lax(
    database: str, console: httpx.AsyncClient
) -> None:
    """The session cookie cannot be read by scripts and is not sent by other sites' posts."""
    await users.add_user("ana", "viewer", "password-ana")
    form = await console.get("/sign-in")
    answer = await console.post(
        "/sign-in", data={"name": "ana", "password": "password-ana", "csrf": csrf_in(form.text)}
    )
    cookie = answer.headers["set-cookie"]
    assert "syncbot_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


async def test_cookies_are_secure_when_served_over_https(database: str) -> None:
    """With SYNCBOT_PUBLIC_URL on https, the session cookie is marked Secure."""
    await users.add_user("ana", "viewer", "password-ana")
    transport = httpx.ASGITransport(app=console_app("https://stock.example.com"))
    async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as client:
        form = await client.get("/sign-in")
        answer = await client.post(
            "/sign-in",
            data={"name": "ana", "password": "password-ana", "csrf": csrf_in(form.text)},
        )
    assert "Secure" in answer.headers["set-cookie"]


async def test_a_sign_in_without_its_csrf_token_is_refused(
    database: str, console: httpx.AsyncClient
) -> None:
    """A sign-in posted from elsewhere (no matching CSRF cookie and field) makes no session."""
    await users.add_user("ana", "viewer", "password-ana")
    answer = await console.post(
        "/sign-in", data={"name": "ana", "password": "password-ana", "csrf": "forged"}
    )
    assert answer.status_code == 403
    assert "did not come from this console" in answer.text
    assert await people_models.WebSession.all().count() == 0


async def test_sign_out_without_the_csrf_token_is_refused(
    database: str, console: httpx.AsyncClient
) -> None:
    """A cross-site post cannot sign a user out: the session stays."""
    await sign_in(console, "ana", "viewer")
    refused = await console.post("/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert (await console.get("/")).status_code == 200


async def test_signing_out_deletes_the_session(database: str, console: httpx.AsyncClient) -> None:
    """After sign-out the old cookie, replayed, leads to the sign-in page."""
    await sign_in(console, "ana", "viewer")
    cookie = console.cookies["syncbot_session"]
    answer = await console.post("/sign-out", data={"csrf": await csrf_of(console)})
    assert answer.status_code == 303
    console.cookies.set("syncbot_session", cookie)
    again = await console.get("/")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/sign-in")


async def test_only_the_cookies_hash_is_stored(database: str, console: httpx.AsyncClient) -> None:
    """The database never holds a session cookie itself."""
    await sign_in(console, "ana", "viewer")
    cookie = console.cookies["syncbot_session"]
    row = await people_models.WebSession.get()
    assert cookie not in (row.token_hash, row.csrf)
    assert len(row.token_hash) == 64


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
async def test_sign_in_never_redirects_off_the_site(
    database: str, console: httpx.AsyncClient, target: str
) -> None:
    """A `next` that points elsewhere leads to the overview instead."""
    await users.add_user("ana", "viewer", "password-ana")
    form = await console.get("/sign-in", params={"next": target})
    answer = await console.post(
        "/sign-in",
        data={
            "name": "ana",
            "password": "password-ana",
            "csrf": csrf_in(form.text),
            "next": target,
        },
    )
    assert answer.headers["location"] == "/"


async def test_a_disabled_users_session_stops_at_once(
    database: str, console: httpx.AsyncClient
) -> None:
    """Disabling a user signs every browser of theirs out on its next request."""
    await sign_in(console, "ana", "viewer")
    assert (await console.get("/")).status_code == 200
    await users.disable_user("ana")
    answer = await console.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")


async def test_a_role_change_counts_on_the_next_request(
    database: str, console: httpx.AsyncClient
) -> None:
    """The session reads the user's role on every request, never a copy from sign-in."""
    await sign_in(console, "ana", "admin")
    await users.add_user("root", "admin", "password-root")  # the last admin keeps the role
    assert "/admin" in (await console.get("/")).text
    await users.set_role("ana", "viewer")
    assert "/admin" not in (await console.get("/")).text


async def test_a_password_reset_signs_the_user_out_everywhere(
    database: str, console: httpx.AsyncClient
) -> None:
    """Whoever knew the old password keeps no session after a reset."""
    await sign_in(console, "ana", "viewer")
    await users.reset_password("ana", "a-brand-new-password")
    answer = await console.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")
