"""The inbox as people work it: a list filtered by state, and retrying by state."""

from __future__ import annotations

import pytest

from connectors.base import Delivery
from syncbot.app import inbox
from syncbot.app.actor import Actor, Via
from syncbot.store import inbox_writer, models


async def _delivery(event_id: str, status: str) -> int:
    assert await inbox_writer.store("shop", Delivery(event_id, "order"), b"{}")
    row = await models.InboxDelivery.get(event_id=event_id)
    await models.InboxDelivery.filter(id=row.id).update(
        status=status, attempts=5 if status == "failed" else 0, last_error="'lines'"
    )
    return row.id


async def test_the_list_filters_by_state_and_pages(database: str) -> None:
    """Only deliveries in the state asked for are listed, oldest first, a page at a time;
    applied ones never are."""
    failed = [await _delivery(f"f{n}", "failed") for n in range(3)]
    await _delivery("p", "pending")
    await _delivery("a", "applied")

    assert [e.id for e in await inbox.unfinished(status="failed")] == failed
    assert [e.id for e in await inbox.unfinished(2, "failed", offset=2)] == failed[2:]
    assert len(await inbox.unfinished()) == 4
    assert await inbox.unfinished(status="pending") != []


async def test_an_unknown_or_done_state_is_refused(database: str) -> None:
    """A filter on a state no delivery not applied has is a refusal that names the states."""
    for state in ("applied", "bogus"):
        with pytest.raises(inbox.InboxRefusal, match="pending, failed, not_found, skipped"):
            await inbox.unfinished(status=state)
        with pytest.raises(inbox.InboxRefusal):
            await inbox.retry(status=state)


async def test_retrying_the_failed_reopens_only_them(database: str) -> None:
    """Retry of every failed delivery leaves skipped and not-found ones closed."""
    failed = await _delivery("f", "failed")
    skipped = await _delivery("s", "pending")
    await inbox.skip(skipped, Actor(Via.WEB, "root"), "a test order")

    assert await inbox.retry(status="failed") == 1

    reopened = await inbox.entry(failed)
    assert reopened is not None
    assert (reopened.status, reopened.attempts) == ("pending", 0)
    still = await inbox.entry(skipped)
    assert still is not None
    assert (still.status, still.closed_by) == ("skipped", "web:root")
