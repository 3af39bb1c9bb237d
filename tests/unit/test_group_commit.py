"""Group commit: a lone request runs at once, waiting ones share a lot, a failure runs alone."""

from __future__ import annotations

import asyncio

import pytest

from syncbot.store.group_commit import GroupCommit


class Refused(Exception):
    pass


class Store:
    """A fake transaction runner that records which requests went in which transaction."""

    def __init__(self) -> None:
        self.transactions: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def alone(self, request: str) -> str:
        await asyncio.sleep(0)  # a transaction's I/O: others run meanwhile
        await self.gate.wait()
        if request.startswith("bad"):
            raise Refused(request)
        self.transactions.append([request])
        return f"done {request}"

    async def together(self, requests: list[str]) -> list[str]:
        await asyncio.sleep(0)
        await self.gate.wait()
        if any(r.startswith("bad") for r in requests):
            raise Refused(requests)
        self.transactions.append(list(requests))
        return [f"done {r}" for r in requests]


def group(store: Store, size: int = 100) -> GroupCommit[str, str]:
    return GroupCommit(store.alone, store.together, lambda lot, r: len(lot) < size and r not in lot)


async def test_a_lone_request_runs_alone_at_once() -> None:
    store = Store()
    assert await group(store).submit("a") == "done a"
    assert store.transactions == [["a"]]


async def test_requests_that_wait_share_the_next_transaction_in_arrival_order() -> None:
    store = Store()
    commit = group(store)
    results = await asyncio.gather(*(commit.submit(str(n)) for n in range(10)))
    assert results == [f"done {n}" for n in range(10)]
    assert store.transactions == [["0"], [str(n) for n in range(1, 10)]]


async def test_a_lot_takes_what_fits_and_the_rest_go_next() -> None:
    store = Store()
    commit = group(store, size=4)
    await asyncio.gather(*(commit.submit(r) for r in ["a", "b", "c", "b", "d", "e", "f"]))
    # The second "b" may not join a lot holding "b": it goes in the next one, still in order.
    assert store.transactions == [["a"], ["b", "c", "d", "e"], ["b", "f"]]


async def test_a_refused_request_takes_only_itself_down() -> None:
    store = Store()
    commit = group(store)
    outcomes = await asyncio.gather(
        *(commit.submit(r) for r in ["a", "b", "bad-c", "d"]), return_exceptions=True
    )
    assert outcomes[:2] == ["done a", "done b"]
    assert isinstance(outcomes[2], Refused)
    assert outcomes[2].args == ("bad-c",)
    assert outcomes[3] == "done d"
    # The shared lot failed whole, then each of its requests ran alone.
    assert store.transactions == [["a"], ["b"], ["d"]]


async def test_a_caller_that_stops_waiting_is_dropped_before_its_lot_is_taken() -> None:
    store = Store()
    commit = group(store)
    store.gate.clear()
    first = asyncio.create_task(commit.submit("a"))
    second = asyncio.create_task(commit.submit("b"))
    third = asyncio.create_task(commit.submit("c"))
    for _ in range(3):  # each task runs to its first wait: "a" on the gate, "b" and "c" queued
        await asyncio.sleep(0)
    assert commit.waiting() == 2
    second.cancel()
    store.gate.set()
    assert await first == "done a"
    assert await third == "done c"
    with pytest.raises(asyncio.CancelledError):
        await second
    assert store.transactions == [["a"], ["c"]]


async def test_once_idle_the_next_request_runs_alone_again() -> None:
    store = Store()
    commit = group(store)
    await asyncio.gather(*(commit.submit(r) for r in ["a", "b", "c"]))
    assert commit.waiting() == 0
    assert await commit.submit("d") == "done d"
    assert store.transactions[-1] == ["d"]
