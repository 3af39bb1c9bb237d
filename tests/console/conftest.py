"""The console in process: the whole web app over a real database, driven with httpx.

`console` is an httpx client of the app (it keeps cookies, as a browser does);
`sign_in(console, name, role)` adds the user and signs them in through the form, and
`csrf_of(console)` reads the session's CSRF token from a page, as a form would carry it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from syncbot.app import users
from syncbot.app.syncing import ChannelSyncs
from syncbot.config import Settings
from syncbot.web.app import web_app

API_TOKEN = "console-tests-dummy-token-000000"  # for tests only


@asynccontextmanager
async def _nothing_to_run(app: FastAPI) -> AsyncGenerator[None]:
    yield


def console_app(
    public_url: str | None = None, channel_syncs: ChannelSyncs | None = None
) -> FastAPI:
    settings = Settings(api_token=SecretStr(API_TOKEN), public_url=public_url)
    return web_app(settings, {}, {}, lambda: None, _nothing_to_run, channel_syncs=channel_syncs)


@pytest.fixture
async def console(database: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of the whole app, on the test database (SQLite and PG)."""
    transport = httpx.ASGITransport(app=console_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        yield client


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_in(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF field"
    return found.group(1)


async def csrf_of(client: httpx.AsyncClient, path: str = "/") -> str:
    """The CSRF token a form on `path` carries for the signed-in session."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_in(page.text)


async def sign_in(client: httpx.AsyncClient, name: str, role: str | None = None) -> None:
    """Signs `name` in through the form (adding them first with `role`, if given); the
    password is `password-<name>`."""
    if role is not None:
        await users.add_user(name, role, f"password-{name}")
    form = await client.get("/sign-in")
    answer = await client.post(
        "/sign-in",
        data={"name": name, "password": f"password-{name}", "csrf": csrf_in(form.text)},
    )
    assert answer.status_code == 303, answer.text
