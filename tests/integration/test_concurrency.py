"""Concurrent postings lose nothing and apply each idempotency key once, on both backends."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from prometheus_client import Counter
from tortoise.transactions import in_transaction

from syncbot import ledger, metrics
from syncbot.ledger import IdempotencyConflict, InsufficientStock, UnknownSku
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.stock import stock
from syncbot.store.verify import verify
from syncbot.testing import eventually


async def test_200_concurrent_postings_on_one_sku_all_count(database: str) -> None:
    """Atomic increments: no posting overwrites another's update."""
    await add_sku("HOT")
    movements = [
        ledger.order_commit("HOT", 1) if n % 5 < 2 else ledger.receive("HOT", 1) for n in range(200)
    ]
    await asyncio.gather(*(posting.post([movement]) for movement in movements))
    total = (await stock("HOT")).total
    assert (total.available, total.committed) == (120 - 80, 80)
    assert (await verify()).ok


async def test_100_concurrent_postings_sharing_10_keys_apply_exactly_10(database: str) -> None:
    """A key claimed by one posting turns its concurrent twins into no-ops."""
    await add_sku("HOT")
    results = await asyncio.gather(
        *(
            posting.post([ledger.receive("HOT", 3)], idempotency_key=f"delivery-{n % 10}")
            for n in range(100)
        )
    )
    assert sum(result.applied for result in results) == 10
    assert (await stock("HOT")).total.available == 30
    assert await models.Movement.all().count() == 10


async def test_concurrent_damages_never_take_more_than_is_there(database: str) -> None:
    """The guard is checked in the UPDATE itself, so racing damages cannot overdraw."""
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 30)])
    outcomes = await asyncio.gather(
        *(posting.post([ledger.damage("HOT", 1)]) for _ in range(50)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, InsufficientStock)]
    assert len(refused) == 20
    assert len(outcomes) - len(refused) == 30
    total = (await stock("HOT")).total
    assert (total.available, total.damaged) == (0, 30)


async def test_concurrent_counts_and_orders_keep_the_ledger_exact(database: str) -> None:
    """Counts resolve against locked rows, so balances always equal the replayed history."""
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 50)])
    work = [posting.post([ledger.order_commit("HOT", 1)]) for _ in range(20)]
    work += [posting.post([ledger.Count("HOT", 40 + n)]) for n in range(5)]
    await asyncio.gather(*work)
    report = await verify()
    assert report.ok, report
    assert (await stock("HOT")).total.committed == 20


async def test_a_count_waits_for_a_concurrent_change_and_counts_after_it(
    database: str,
) -> None:
    """PostgreSQL: the posting locks its balance rows, so a count never resolves against
    a value another transaction is changing (it would post a wrong difference)."""
    if not database.startswith("postgres://"):
        pytest.skip("SQLite runs one transaction at a time; there is nothing to interleave")
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 10)])
    other = await asyncpg.connect(database.replace("postgres://", "postgresql://", 1))
    try:
        transaction = other.transaction()
        await transaction.start()
        # Another process is in the middle of sending 2 units back to the supplier.
        await other.execute(
            "UPDATE balance SET quantity = quantity + "
            "CASE bucket WHEN 'available' THEN -2 ELSE 2 END "
            "WHERE sku_id = 'HOT' AND bucket IN ('available', 'supplier')"
        )
        count = asyncio.create_task(posting.post([ledger.Count("HOT", 10)]))

        async def count_waits_on_a_lock() -> bool:
            waiting = await other.fetchval(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
            return bool(waiting) or count.done()

        await eventually(count_waits_on_a_lock, what="the count queued behind the locked rows")
        assert not count.done(), "the count did not wait for the locked rows"
        await transaction.commit()
        result = await count
    finally:
        await other.close()
    # The count saw on_hand 8 after the other commit, so it found 2 more, and on_hand is
    # now what was counted. Reading without the lock it would have seen 10 and posted nothing.
    assert [m.quantity for m in result.movements] == [2]
    assert (await stock("HOT")).total.on_hand == 10


async def test_concurrent_postings_over_two_skus_keep_their_totals(database: str) -> None:
    """Postings touching both SKUs at both locations, in either order, keep each SKU's
    totals equal to its balance rows (verify checks them), and never deadlock."""
    for code in ("A", "B"):
        await add_sku(code)
        await posting.post([ledger.receive(code, 100, "main"), ledger.receive(code, 100, "east")])
    work = []
    for n in range(30):
        first, second = ("A", "B") if n % 2 else ("B", "A")
        location = "main" if n % 3 else "east"
        work.append(
            posting.post([ledger.order_commit(first, 1, location), ledger.damage(second, 1)])
        )
        work.append(posting.post([ledger.transfer(second, 1, "main", "east")]))
    await asyncio.gather(*work)
    report = await verify()
    assert report.ok, report
    kept = dict(await models.Sku.all().values_list("code", "available"))
    for code in ("A", "B"):
        assert kept[code] == (await stock(code)).total.available
    assert kept["A"] + kept["B"] == 400 - 60


async def test_verify_reports_a_total_that_differs_from_the_balances(database: str) -> None:
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 5)])
    await models.Sku.filter(code="HOT").update(available=4)
    report = await verify()
    assert not report.ok
    assert [(m.sku, m.bucket, m.stored, m.replayed) for m in report.mismatches] == [
        ("HOT", "available", 4, 5)
    ]


def _counted(counter: Counter) -> float:
    return float(counter._value.get())


async def test_postings_that_wait_commit_together_each_exactly_once(database: str) -> None:
    """Group commit: while one posting is in flight the others queue, then share one
    transaction; each is recorded once, in full, and its caller answered with its own."""
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 100)])
    groups, grouped = _counted(metrics.POSTING_GROUPS), _counted(metrics.POSTINGS_GROUPED)
    results = await asyncio.gather(
        *(
            posting.post([ledger.order_commit("HOT", 1)], idempotency_key=f"order-{n}")
            for n in range(20)
        )
    )
    # The first ran alone; the nineteen that waited for it went in one transaction.
    assert _counted(metrics.POSTING_GROUPS) == groups + 1
    assert _counted(metrics.POSTINGS_GROUPED) == grouped + 19
    assert all(result.applied for result in results)
    assert len({result.posting for result in results}) == 20
    keyed = await models.Movement.filter(idempotency_key__startswith="order-").count()
    assert keyed == 20
    assert (await stock("HOT")).total.committed == 20
    assert (await verify()).ok


async def test_a_refused_posting_among_waiting_ones_refuses_only_itself(database: str) -> None:
    await add_sku("HOT")
    await posting.post([ledger.receive("HOT", 5)])
    refused = _counted(metrics.POSTING_GROUPS_REFUSED)
    outcomes = await asyncio.gather(
        posting.post([ledger.order_commit("HOT", 1)]),
        posting.post([ledger.order_commit("HOT", 1)], idempotency_key="kept"),
        posting.post([ledger.damage("HOT", 50)]),  # more than is there
        posting.post([ledger.receive("NOPE", 1)]),  # no such SKU
        posting.post([ledger.receive("HOT", 2)], idempotency_key="kept-too"),
        return_exceptions=True,
    )
    assert isinstance(outcomes[2], InsufficientStock)
    assert isinstance(outcomes[3], UnknownSku)
    assert all(isinstance(o, posting.PostingResult) and o.applied for o in outcomes[:2])
    assert isinstance(outcomes[4], posting.PostingResult)
    assert outcomes[4].applied
    assert _counted(metrics.POSTING_GROUPS_REFUSED) == refused + 1
    total = (await stock("HOT")).total
    assert (total.available, total.committed, total.damaged) == (5, 2, 0)
    assert await models.IdempotencyKey.filter(key__in=["kept", "kept-too"]).count() == 2
    assert (await verify()).ok


async def test_twins_waiting_together_apply_once_and_a_changed_twin_is_refused(
    database: str,
) -> None:
    await add_sku("HOT")
    outcomes = await asyncio.gather(
        posting.post([ledger.receive("HOT", 1)], idempotency_key="first"),
        posting.post([ledger.receive("HOT", 3)], idempotency_key="twin"),
        posting.post([ledger.receive("HOT", 3)], idempotency_key="twin"),
        posting.post([ledger.receive("HOT", 4)], idempotency_key="twin"),
        return_exceptions=True,
    )
    assert isinstance(outcomes[3], IdempotencyConflict)
    assert [o.applied for o in outcomes[:3] if isinstance(o, posting.PostingResult)] == [
        True,
        True,
        False,
    ]
    assert (await stock("HOT")).total.available == 4


async def test_a_posting_inside_a_transaction_is_taken_back_with_it(database: str) -> None:
    await add_sku("HOT")

    class Abandon(Exception):
        pass

    async def post_then_abandon() -> None:
        async with in_transaction():
            await posting.post([ledger.receive("HOT", 5)], idempotency_key="inside")
            raise Abandon

    with pytest.raises(Abandon):
        await post_then_abandon()
    assert await models.Movement.all().count() == 0
    assert not await models.IdempotencyKey.filter(key="inside").exists()
