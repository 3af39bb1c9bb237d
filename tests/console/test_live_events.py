"""`GET /events` over a real socket (httpx's ASGI transport buffers whole responses, so a
stream needs a server): a change anywhere in the database arrives as an `event: change`
within 2 s, streams end with their session and when the server stops, and their number is
bounded. Nothing sleeps a fixed time: each test waits for the line it expects, with a
timeout."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn

from syncbot import ledger
from syncbot.app import stock, users
from syncbot.app.actor import Actor
from syncbot.console import live
from syncbot.store import models, sync_models
from syncbot.store.catalogue import add_sku

from .conftest import console_app, csrf_in, sign_in

CHANGE = "event: change"


@asynccontextmanager
async def serving() -> AsyncIterator[str]:
    """The whole app served by uvicorn in this event loop, on a free port: its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(console_app(), log_config=None, lifespan="off")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve(sockets=[sock]))
    while not running.started:  # noqa: ASYNC110 (uvicorn offers no started event to await)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        live.stop_streams()
        running.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.fixture
async def server(database: str) -> AsyncIterator[str]:
    async with serving() as url:
        yield url


@pytest.fixture
async def viewer(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        await sign_in(client, "vera", "viewer")
        yield client


async def _line(lines: AsyncIterator[str], wanted: str, seconds: float) -> None:
    """Waits until the stream sends the line `wanted`; fails after `seconds`."""

    async def reading() -> None:
        async for line in lines:
            if line == wanted:
                return
        raise AssertionError(f"the stream ended before {wanted!r}")

    await asyncio.wait_for(reading(), seconds)


async def _ended(lines: AsyncIterator[str], seconds: float) -> None:
    async def draining() -> None:
        async for _ in lines:
            pass

    await asyncio.wait_for(draining(), seconds)


async def test_a_posting_is_a_change_within_two_seconds(viewer: httpx.AsyncClient) -> None:
    await add_sku("MUG-1", "Mug")
    async with viewer.stream("GET", "/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        await _line(lines, "retry: 2000", 2)

        await stock.record(ledger.receive("MUG-1", 5), Actor.cli("clerk"))

        await _line(lines, CHANGE, 2)


@pytest.mark.parametrize("change", ["failed delivery", "parked line", "quarantine"])
async def test_changes_written_by_another_process_arrive(
    viewer: httpx.AsyncClient, change: str
) -> None:
    """Written straight to the database, as the worker or the CLI would: no movement."""
    listing = await sync_models.ChannelListing.create(
        channel="shop", sku="MUG-1", listing_id="L1", inventory_id="I1"
    )
    async with viewer.stream("GET", "/events") as stream:
        lines = stream.aiter_lines()
        await _line(lines, "retry: 2000", 2)  # sent once the poller has read a fingerprint

        if change == "failed delivery":
            await models.InboxDelivery.create(
                channel="shop", event_id="e", topic="t", headers={}, body=b"", status="failed"
            )
        elif change == "parked line":
            await models.ParkedLine.create(
                channel="shop", order_id="o", line_id="1", sku="X", quantity=1
            )
        else:
            await sync_models.ChannelListing.filter(id=listing.id).update(
                quarantined_at=listing.discovered_at, quarantined_error="refused"
            )

        await _line(lines, CHANGE, 2)


async def test_not_signed_in_is_a_401_not_a_redirect(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        answer = await client.get("/events")

    assert answer.status_code == 401


async def test_a_stream_ends_when_its_session_does(
    monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setattr(live, "SESSION_CHECK_SECONDS", 0.2)
    async with serving() as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await sign_in(client, "vera", "viewer")
        async with client.stream("GET", "/events") as stream:
            lines = stream.aiter_lines()
            await _line(lines, "retry: 2000", 2)

            await users.disable_user("vera")

            await _ended(lines, 3)


async def test_a_quiet_stream_sends_keep_alives(
    monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    async with serving() as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await sign_in(client, "vera", "viewer")
        async with client.stream("GET", "/events") as stream:
            lines = stream.aiter_lines()
            await _line(lines, "retry: 2000", 2)

            await _line(lines, ": keep-alive", 2)


async def test_streams_are_bounded_per_process(
    monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setattr(live, "MAX_STREAMS", 1)
    async with serving() as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await sign_in(client, "vera", "viewer")
        async with client.stream("GET", "/events") as stream:
            # Held until the stream is left. An iterator nothing refers to is finalized as
            # soon as `_line` returns, and finalizing it closes the response: the server
            # saw the client go, freed the stream's slot and took the second request as a
            # new stream, which the GET below then read until its timeout.
            lines = stream.aiter_lines()
            await _line(lines, "retry: 2000", 2)

            refused = await client.get("/events")

        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "10"


async def test_stopping_ends_every_stream_and_refuses_new_ones(viewer: httpx.AsyncClient) -> None:
    async with viewer.stream("GET", "/events") as stream:
        lines = stream.aiter_lines()
        await _line(lines, "retry: 2000", 2)

        live.stop_streams()

        await _ended(lines, 3)
    again = await viewer.get("/events")
    assert again.status_code == 503
    assert again.headers["retry-after"]


async def test_the_sign_in_form_still_works_beside_a_stream(viewer: httpx.AsyncClient) -> None:
    """A stream holds no lock the pages need: a page answers while one is open."""
    async with viewer.stream("GET", "/events") as stream:
        lines = stream.aiter_lines()  # held: see test_streams_are_bounded_per_process
        await _line(lines, "retry: 2000", 2)
        page = await viewer.get("/")
        assert page.status_code == 200
        assert csrf_in(page.text)
