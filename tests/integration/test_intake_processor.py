"""The intake processor: stored deliveries become postings once; no delivery stops the rest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from tortoise.exceptions import OperationalError

from connectors.base import Connector, ConnectorError, Delivery, NotOnStore
from connectors.fake import FakeConnector
from syncbot import ledger, metrics
from syncbot.intake.processor import IntakeProcessor
from syncbot.ledger import orders as ledger_orders
from syncbot.ledger.errors import InvalidMovement
from syncbot.ledger.orders import OrderEvent
from syncbot.runtime.intake import IntakeLoop
from syncbot.store import inbox, inbox_entries, inbox_writer, models
from syncbot.store import orders as orders_store
from syncbot.store.catalogue import add_sku
from syncbot.store.posting import post
from syncbot.store.stock import stock

ORDER = {
    "order_id": "1001",
    "updated_at": "2026-11-01T12:00:00+00:00",
    "lines": [{"line_id": "L1", "sku": "MUG", "quantity": 2}],
}
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


class Clock:
    """The processor's time, moved by the test: backoff and leases without sleeping."""

    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def order(order_id: str, quantity: int = 1) -> bytes:
    return json.dumps(
        {
            **ORDER,
            "order_id": order_id,
            "lines": [{"line_id": "L1", "sku": "MUG", "quantity": quantity}],
        }
    ).encode()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def processor(database: str, clock: Clock) -> IntakeProcessor:
    await add_sku("MUG")
    connector: Connector = FakeConnector("shop", secret="dummy")
    return IntakeProcessor({"shop": connector}, clock=clock)


async def keep(event_id: str, body: bytes, topic: str = "order", channel: str = "shop") -> int:
    assert await inbox_writer.store(channel, Delivery(event_id, topic), body)
    return (await models.InboxDelivery.get(channel=channel, event_id=event_id)).id


async def row_of(event_id: str) -> models.InboxDelivery:
    return await models.InboxDelivery.get(event_id=event_id)


async def test_a_stored_delivery_is_applied_and_marked(processor: IntakeProcessor) -> None:
    await keep("e1", json.dumps(ORDER).encode())
    assert await processor.process_pending() == 1
    assert (await stock("MUG")).total.committed == 2
    row = await row_of("e1")
    assert (row.status, row.attempts, row.last_error, row.claimed_by) == ("applied", 1, None, None)
    assert await inbox_entries.unfinished() == []
    assert await processor.process_pending() == 0


async def test_processing_twice_posts_once(processor: IntakeProcessor) -> None:
    """A row processed again (a crash before it was marked) reconciles to no change."""
    await keep("e1", json.dumps(ORDER).encode())
    await keep("e2", json.dumps(ORDER).encode())  # the same snapshot, another event id
    await processor.process_pending()
    assert (await stock("MUG")).total.committed == 2
    assert await models.Movement.all().count() == 1


async def test_a_topic_without_orders_is_closed_as_ignored(processor: IntakeProcessor) -> None:
    await keep("e1", b"{}", topic="product")
    await processor.process_pending()
    assert (await row_of("e1")).status == "ignored"
    assert await inbox_entries.unfinished() == []


async def test_an_unreadable_delivery_fails_at_once_with_its_reason(
    processor: IntakeProcessor,
) -> None:
    await keep("e1", b'{"order_id": 1}')
    await processor.process_pending()
    row = await row_of("e1")
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert row.processed_at is not None
    (entry,) = await inbox_entries.unfinished()
    assert entry.error == "not a fake order: the payload has no 'updated_at'"


async def test_a_delivery_for_a_removed_channel_waits_and_keeps_its_error(
    processor: IntakeProcessor, clock: Clock
) -> None:
    await keep("e1", json.dumps(ORDER).encode(), channel="gone")
    await processor.process_pending()
    row = await row_of("e1")
    assert row.last_error == "channel 'gone' is no longer configured"
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == clock() + inbox.backoff(1)


async def test_a_duplicate_event_id_is_not_stored_twice(processor: IntakeProcessor) -> None:
    await keep("e1", b"{}")
    assert not await inbox_writer.store("shop", Delivery("e1", "order"), b"{}")


class _Unreachable(FakeConnector):
    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        raise ConnectorError("the storefront's API did not answer")


async def test_an_api_failure_is_retried_after_a_wait_until_out_of_tries(
    database: str, clock: Clock
) -> None:
    """A storefront that cannot be reached costs one try; the row waits 10 s, 20 s, 40 s...
    and is not taken before it is due; the last try closes it as failed."""
    processor = IntakeProcessor({"shop": _Unreachable("shop", secret="dummy")}, clock=clock)
    await keep("e1", json.dumps(ORDER).encode())
    waits = []
    for attempt in range(1, inbox.MAX_ATTEMPTS):
        assert await processor.process_pending() == 1
        row = await row_of("e1")
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.last_error == "the storefront's API did not answer"
        assert row.next_attempt_at is not None
        waits.append((row.next_attempt_at - clock()).total_seconds())
        assert await processor.process_pending() == 0  # not due yet
        clock.advance(waits[-1])
    assert waits == [10, 20, 40, 80]
    assert await processor.process_pending() == 1
    row = await row_of("e1")
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 5, None)


def test_the_wait_doubles_and_stops_at_an_hour() -> None:
    assert [inbox.backoff(n).total_seconds() for n in (0, 1, 2, 9, 10, 40)] == [
        5,
        10,
        20,
        2560,
        3600,
        3600,
    ]


class _BrokenOnFirst(FakeConnector):
    """A connector with a bug that one payload triggers (as `"fulfillments": [1]` did)."""

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        if json.loads(body)["order_id"] == "poison":
            raise AttributeError("'int' object has no attribute 'get'")
        return await super().parse(delivery, body)


async def test_a_processing_bug_on_one_row_never_stops_the_rows_after_it(
    database: str, clock: Clock
) -> None:
    await add_sku("MUG")
    processor = IntakeProcessor({"shop": _BrokenOnFirst("shop", secret="dummy")}, clock=clock)
    await keep("poison", order("poison"))
    for number in range(2, 6):
        await keep(f"e{number}", order(f"order-{number}"))

    assert await processor.process_pending() == 5
    assert (await stock("MUG")).total.committed == 4
    poison = await row_of("poison")
    assert (poison.status, poison.attempts) == ("pending", 1)
    assert poison.last_error == (
        "AttributeError: 'int' object has no attribute 'get' (processing bug; the delivery is kept)"
    )
    first_wait = poison.next_attempt_at
    assert first_wait is not None
    assert first_wait > clock()

    clock.advance(3600)
    assert await processor.process_pending() == 1  # only the poison row was due
    second = await row_of("poison")
    assert second.attempts == 2
    assert second.next_attempt_at is not None
    assert second.next_attempt_at - clock() > first_wait - T0
    (entry,) = await inbox_entries.unfinished()
    assert (entry.id, entry.status, entry.attempts) == (poison.id, "pending", 2)


class _Gone(FakeConnector):
    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        raise NotOnStore(
            "order 123 not found on the store: deleted, or the token lacks read_orders"
        )


async def test_an_order_not_on_the_store_is_closed_with_its_reason_and_counted(
    database: str, clock: Clock
) -> None:
    processor = IntakeProcessor({"shop": _Gone("shop", secret="dummy")}, clock=clock)
    counter = metrics.WEBHOOKS_NOT_FOUND.labels("shop", "order")
    before = counter._value.get()
    await keep("e1", json.dumps(ORDER).encode())
    await processor.process_pending()
    row = await row_of("e1")
    assert (row.status, row.attempts, row.next_attempt_at) == ("not_found", 1, None)
    assert counter._value.get() == before + 1
    (entry,) = await inbox_entries.unfinished()
    assert entry.error == (
        "order 123 not found on the store: deleted, or the token lacks read_orders"
    )
    clock.advance(86400)
    assert await processor.process_pending() == 0


class TestClaims:
    async def test_a_claimed_row_is_not_taken_by_another_process(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        await keep("e1", json.dumps(ORDER).encode())
        (claimed,) = await inbox.claim(10, clock())
        assert await processor.process_pending() == 0
        assert (await row_of("e1")).claimed_by == claimed.claimed_by

    async def test_a_claim_hands_back_the_oldest_due_rows_as_they_are_stored(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        """Up to the limit, oldest first, a row waiting for its retry left; each reads as
        the stored row reads (headers, body, times), stamped with the claim and its lease."""
        ids = [await keep(f"e{n}", order(str(n))) for n in range(4)]
        (first,) = await inbox.claim(1, clock())
        assert await inbox.fail(first, "try again later", clock())
        claimed = await inbox.claim(2, clock())
        assert [row.id for row in claimed] == ids[1:3]
        names = models.InboxDelivery._meta.fields_map
        for row in claimed:
            stored = await models.InboxDelivery.get(id=row.id)
            assert {name: getattr(row, name) for name in names} == {
                name: getattr(stored, name) for name in names
            }
            assert (row.claimed_until, row.body) == (
                clock() + inbox.LEASE,
                order(str(ids.index(row.id))),
            )

    async def test_closing_a_claim_closes_only_the_rows_it_still_holds(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        """A row a person skipped, or another process took once the lease ran out, is left
        as they left it, and the count says how many were closed."""
        for n in range(3):
            await keep(f"e{n}", order(str(n)))
        held, skipped, lapsed = await inbox.claim(3, clock())
        await inbox.skip(skipped.id, "cli:alice", "a test order")
        await models.InboxDelivery.filter(id=lapsed.id).update(claimed_until=clock())
        (taken,) = await inbox.claim(3, clock() + timedelta(seconds=1))
        assert taken.id == lapsed.id
        assert await inbox.close_all([held, skipped, lapsed], inbox.APPLIED, clock()) == 1
        rows = [await row_of(f"e{n}") for n in range(3)]
        assert [(row.status, row.attempts, row.claimed_by) for row in rows] == [
            ("applied", 1, None),
            ("skipped", 0, skipped.claimed_by),
            ("pending", 0, taken.claimed_by),
        ]

    async def test_a_dead_process_claim_runs_out_and_the_row_is_taken_again(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        """A process that claimed rows and died: after the lease, another applies them
        once, and no try is counted for the dead one."""
        await keep("e1", json.dumps(ORDER).encode())
        await inbox.claim(10, clock())  # the process that died
        clock.advance(inbox.LEASE.total_seconds() + 1)
        assert await processor.process_pending() == 1
        row = await row_of("e1")
        assert (row.status, row.attempts) == ("applied", 1)
        assert (await stock("MUG")).total.committed == 2

    async def test_a_process_whose_lease_ran_out_neither_closes_nor_counts_a_try(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        await keep("e1", json.dumps(ORDER).encode())
        (slow,) = await inbox.claim(10, clock())
        clock.advance(inbox.LEASE.total_seconds() + 1)
        (fresh,) = await inbox.claim(10, clock())
        assert not await inbox.fail(slow, "too late", clock())
        assert not await inbox.close(slow, inbox.APPLIED, clock())
        assert await inbox.close(fresh, inbox.APPLIED, clock())
        row = await row_of("e1")
        assert (row.status, row.attempts, row.last_error) == ("applied", 1, None)


class TestByHand:
    async def test_retry_reopens_every_row_not_applied_with_its_tries_back(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        await keep("bad", b'{"order_id": 1}')
        await keep("good", json.dumps(ORDER).encode())
        await processor.process_pending()
        assert await inbox.retry() == 1
        row = await row_of("bad")
        assert (row.status, row.attempts, row.next_attempt_at, row.processed_at) == (
            "pending",
            0,
            None,
            None,
        )
        assert (await row_of("good")).status == "applied"

    async def test_skip_closes_a_row_naming_who_and_why(
        self, processor: IntakeProcessor, clock: Clock
    ) -> None:
        bad = await keep("bad", b'{"order_id": 1}')
        await processor.process_pending()
        await inbox.skip(bad, "cli:alice", "  test order, deleted in Shopify ")
        (entry,) = await inbox_entries.unfinished()
        assert (entry.status, entry.closed_by, entry.error) == (
            "skipped",
            "cli:alice",
            "test order, deleted in Shopify",
        )
        assert await inbox.retry([bad]) == 1  # a skip can still be undone by a retry

    async def test_skip_refuses_an_unknown_or_applied_row_and_writes_nothing(
        self, processor: IntakeProcessor
    ) -> None:
        good = await keep("good", json.dumps(ORDER).encode())
        await processor.process_pending()
        with pytest.raises(inbox.UnknownDelivery, match="no delivery has id 999"):
            await inbox.skip(999, "cli:alice", "why")
        with pytest.raises(inbox.AlreadyClosed, match=f"delivery {good} is already applied"):
            await inbox.skip(good, "cli:alice", "why")
        with pytest.raises(inbox.InboxRefusal, match="give a reason"):
            await inbox.skip(good, "cli:alice", "   ")
        row = await row_of("good")
        assert (row.status, row.closed_by, row.last_error) == ("applied", None, None)


class _RefusedByPostgres(FakeConnector):
    """What Tortoise raises when PostgreSQL refuses a value: asyncpg's DataError, wrapped."""

    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        cause = asyncpg.exceptions.StringDataRightTruncationError(
            "value too long for type character varying(64)"
        )
        raise OperationalError(cause) from cause


async def test_a_value_the_database_refuses_fails_at_once(database: str, clock: Clock) -> None:
    processor = IntakeProcessor({"shop": _RefusedByPostgres("shop", secret="dummy")}, clock=clock)
    await keep("e1", json.dumps(ORDER).encode())
    await processor.process_pending()
    row = await row_of("e1")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == (
        "the store cannot hold a value: value too long for type character varying(64)"
    )


async def test_the_loop_wakes_when_the_earliest_retry_falls_due(
    database: str, clock: Clock
) -> None:
    """The sweep sleeps until the next try is due, not a fixed 30 s."""
    processor = IntakeProcessor({"shop": _Unreachable("shop", secret="dummy")}, clock=clock)
    assert await inbox.next_due() is None
    await keep("e1", json.dumps(ORDER).encode())
    await processor.process_pending()
    assert await inbox.next_due() == clock() + inbox.backoff(1)
    clock.advance(4)
    assert await IntakeLoop(processor, clock=clock)._until_next_due() == 6


class _Locked(FakeConnector):
    async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
        raise OperationalError("database is locked")


async def test_a_passing_database_error_is_retried_not_called_a_bug(
    database: str, clock: Clock
) -> None:
    processor = IntakeProcessor({"shop": _Locked("shop", secret="dummy")}, clock=clock)
    await keep("e1", json.dumps(ORDER).encode())
    await processor.process_pending()
    row = await row_of("e1")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "database error: database is locked"


async def test_claims_a_killed_process_left_are_freed_at_start_on_sqlite_only(
    processor: IntakeProcessor, clock: Clock, database: str
) -> None:
    """SQLite has one writer, so a claim found at start is a dead process's: freed at
    once. On PostgreSQL a live process may hold it, so it waits out its lease."""
    await keep("e1", json.dumps(ORDER).encode())
    (claimed,) = await inbox.claim(10, clock(), inbox.LEASE)  # then the process dies

    freed = await inbox.release_stale_claims()

    row = await row_of("e1")
    if database.startswith("sqlite"):
        assert (freed, row.claimed_by) == (1, None)
        assert await processor.process_pending() == 1
    else:
        assert (freed, row.claimed_by) == (0, claimed.claimed_by)
        assert await processor.process_pending() == 0
        assert await inbox.next_due() == row.claimed_until  # the sweep wakes when it ends


class TestBatches:
    """A burst is claimed and reconciled in batches; each order still stands alone."""

    async def test_batches_follow_the_load(
        self, processor: IntakeProcessor, clock: Clock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One delivery is worked alone; a burst goes in claims of up to `batch`."""
        batcher = IntakeProcessor(
            {"shop": FakeConnector("shop", secret="dummy")}, clock=clock, batch=3
        )
        sizes: list[int] = []
        real = batcher._process_batch

        async def measured(rows: Sequence[models.InboxDelivery]) -> int:
            sizes.append(len(rows))
            return await real(rows)

        monkeypatch.setattr(batcher, "_process_batch", measured)
        await keep("alone", order("order-0"))
        assert await batcher.process_pending() == 1
        for number in range(1, 8):
            await keep(f"e{number}", order(f"order-{number}"))
        assert await batcher.process_pending() == 7
        assert sizes == [1, 3, 3, 1]
        assert (await stock("MUG")).total.committed == 8
        assert {row.status for row in await models.InboxDelivery.all()} == {"applied"}

    async def test_a_claim_read_slowly_gives_back_what_it_has_not_read(
        self, database: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A connector that reads each order back for 40 s (a storefront at its rate
        limit): past half the 60 s lease the claim's rows not yet read are given back
        untried, due at once, and the next claim takes them; every order is posted once
        and counts one try."""
        await add_sku("MUG")
        elapsed = [0.0]

        class _Slow(FakeConnector):
            async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
                elapsed[0] += 40
                return await super().parse(delivery, body)

        slow = IntakeProcessor(
            {"shop": _Slow("shop", secret="dummy")},
            clock=clock,
            batch=3,
            timer=lambda: elapsed[0],
        )
        claims: list[list[str]] = []
        real = inbox.claim

        async def claim(*args: Any, **kwargs: Any) -> list[models.InboxDelivery]:
            rows = await real(*args, **kwargs)
            claims.append([row.event_id for row in rows])
            return rows

        monkeypatch.setattr(inbox, "claim", claim)
        for number in range(3):
            await keep(f"e{number}", order(f"order-{number}"))
        assert await slow.process_pending() == 3
        assert claims == [["e0", "e1", "e2"], ["e1", "e2"], ["e2"], []]
        rows = await models.InboxDelivery.all().order_by("id")
        assert [(r.status, r.attempts, r.claimed_by) for r in rows] == [("applied", 1, None)] * 3
        assert (await stock("MUG")).total.committed == 3

    async def test_a_batch_of_new_orders_updates_twins_and_parked_lines(
        self, processor: IntakeProcessor
    ) -> None:
        """In one batch: an update of an order recorded before, its parked line replaced;
        a new order; a new order delivered twice, reconciled in turn: each as if alone."""

        def snapshot(order_id: str, minutes: int, *lines: tuple[str, str, int]) -> bytes:
            moment = (T0 + timedelta(minutes=minutes)).isoformat()
            listed = [{"line_id": i, "sku": sku, "quantity": n} for i, sku, n in lines]
            return json.dumps(
                {"order_id": order_id, "updated_at": moment, "lines": listed}
            ).encode()

        await keep("before", snapshot("order-1", 0, ("L1", "MUG", 1), ("L2", "GHOST", 1)))
        assert await processor.process_pending() == 1
        await keep("update", snapshot("order-1", 1, ("L1", "MUG", 3), ("L2", "GHOST", 2)))
        await keep("new", snapshot("order-2", 0, ("L1", "GHOST", 4)))
        await keep("twin-1", snapshot("order-3", 0, ("L1", "MUG", 1)))
        await keep("twin-2", snapshot("order-3", 1, ("L1", "MUG", 2)))
        assert await processor.process_pending() == 4
        assert {row.status for row in await models.InboxDelivery.all()} == {"applied"}
        assert (await stock("MUG")).total.committed == 5
        parked = await orders_store.parked_lines()
        assert [(p.order_id, p.line_id, p.sku, p.quantity) for p in parked] == [
            ("order-1", "L2", "GHOST", 2),
            ("order-2", "L1", "GHOST", 4),
        ]
        records = await models.OrderRecord.all().order_by("order_id")
        assert [(r.order_id, r.updated_at) for r in records] == [
            ("order-1", T0 + timedelta(minutes=1)),
            ("order-2", T0),
            ("order-3", T0 + timedelta(minutes=1)),
        ]
        assert [r.state["lines"].get("L1", {}).get("committed") for r in records] == [3, None, 2]

    async def test_a_batch_writes_one_stock_change_per_sku_and_location(
        self, processor: IntakeProcessor
    ) -> None:
        """Five orders for one SKU in one batch: the outbox gets one stock change, from
        before the first order to after the last, not five (sync reads only which SKUs
        changed); each posting's own events are still its own."""
        await post([ledger.receive("MUG", 10)])
        for number in range(5):
            await keep(f"e{number}", order(f"order-{number}", quantity=2))
        assert await processor.process_pending() == 5
        changes = await models.OutboxEvent.filter(name="stock_changed").order_by("id")
        assert len(changes) == 2  # the receipt's, then the batch's
        batch = changes[1].payload
        assert (batch["before"]["available"], batch["before"]["committed"]) == (10, 0)
        assert (batch["after"]["available"], batch["after"]["committed"]) == (0, 10)

    async def test_a_large_batch_gives_the_event_loop_turns_while_it_parses_and_settles(
        self, database: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Parsing and settling a batch is Python with nothing to wait for: every `TURN`
        rows the batch lets other tasks run (the scheduler pushing the batch before), so
        a task beside it is not held for the whole batch."""
        await add_sku("MUG")
        ticks = [0]
        parsed_at: list[int] = []
        settled_at: list[int] = []

        class _Counted(FakeConnector):
            async def parse(self, delivery: Delivery, body: bytes) -> Sequence[OrderEvent]:
                parsed_at.append(ticks[0])
                return await super().parse(delivery, body)

        real_settle = ledger_orders.settle

        def settle(*args: Any) -> Any:
            settled_at.append(ticks[0])
            return real_settle(*args)

        monkeypatch.setattr(ledger_orders, "settle", settle)

        async def beside() -> None:
            while True:
                ticks[0] += 1
                await asyncio.sleep(0)

        for number in range(120):
            await keep(f"e{number}", order(f"order-{number}"))
        counted = IntakeProcessor({"shop": _Counted("shop", secret="dummy")}, clock=clock)
        ticker = asyncio.create_task(beside())
        try:
            assert await counted.process_pending() == 120
        finally:
            ticker.cancel()
        assert (await stock("MUG")).total.committed == 120
        for seen in (parsed_at, settled_at):
            assert len(seen) == 120
            # Within a stretch the other task does not run; across one it has.
            assert seen[0] == seen[49] < seen[50] == seen[99] < seen[100]

    async def test_a_poison_order_rolls_back_alone_and_is_failed(
        self, processor: IntakeProcessor, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An order refused after it wrote (its record, its movements) leaves nothing,
        and the orders before and after it in the same batch are applied."""
        real = orders_store.record_all

        async def refuse_poison(connection: Any, postings: Any, **options: Any) -> Any:
            results = await real(connection, postings, **options)
            if any(p.provenance.document.endswith("/poison") for p in postings):
                raise InvalidMovement("a movement the ledger refuses")
            return results

        monkeypatch.setattr(orders_store, "record_all", refuse_poison)
        await keep("first", order("order-1"))
        await keep("poison", order("poison", quantity=5))
        await keep("last", order("order-2"))
        assert await processor.process_pending() == 3
        assert (await stock("MUG")).total.committed == 2
        poison = await row_of("poison")
        assert (poison.status, poison.attempts, poison.last_error) == (
            "failed",
            1,
            "a movement the ledger refuses",
        )
        assert not await models.OrderRecord.filter(order_id="poison").exists()
        assert not await models.Movement.filter(document="shop/orders/poison").exists()
        assert {(await row_of(e)).status for e in ("first", "last")} == {"applied"}

    async def test_an_order_that_may_succeed_later_is_tried_alone_and_counted_once(
        self, processor: IntakeProcessor
    ) -> None:
        """A line at an unknown location fails mid-order: rolled back in the batch, tried
        again alone, and one try is counted; the rest of the batch is applied."""
        await keep("good", order("order-1"))
        stray = json.loads(order("stray"))
        stray["lines"][0]["location"] = "nowhere"
        await keep("stray", json.dumps(stray).encode())
        assert await processor.process_pending() == 2
        row = await row_of("stray")
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error is not None
        assert "nowhere" in row.last_error
        assert (await row_of("good")).status == "applied"
        assert (await stock("MUG")).total.committed == 1
