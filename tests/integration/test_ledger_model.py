"""Stateful property test: random postings, duplicates and reversals against a simple model.

Every step goes through the real posting path on a real SQLite database. After every step
the stored balances equal a dictionary updated by hand, and every SKU sums to zero.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from conftest import truncate_postgres
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from syncbot import ledger
from syncbot.ledger import IdempotencyConflict, InsufficientStock, Movement
from syncbot.store import models, posting
from syncbot.store.catalogue import add_sku
from syncbot.store.database import close_database, declare_locations, open_database

T = TypeVar("T")
SKUS = ("A", "B")
LOCATIONS = ("main", "east")
Key = tuple[str, str, str]

skus = st.sampled_from(SKUS)
locations = st.sampled_from(LOCATIONS)
quantities = st.integers(min_value=1, max_value=12)


@st.composite
def movements(draw: st.DrawFn) -> Movement:
    sku, location, quantity = draw(skus), draw(locations), draw(quantities)
    builders: list[Any] = [
        lambda: ledger.receive(sku, quantity, location),
        lambda: ledger.damage(sku, quantity, location, forced=draw(st.booleans())),
        lambda: ledger.write_off(sku, quantity, location),
        lambda: ledger.order_commit(sku, quantity, location),
        lambda: ledger.order_cancel(sku, quantity, location),
        lambda: ledger.order_fulfil(sku, quantity, location),
        lambda: ledger.return_restock(sku, quantity, location),
        lambda: ledger.return_damaged(sku, quantity, location),
        lambda: ledger.transfer(sku, quantity, location, "east" if location == "main" else "main"),
        lambda: ledger.adjust(sku, draw(st.sampled_from([quantity, -quantity])), "fix", location),
    ]
    built: Movement = draw(st.sampled_from(builders))()
    return built


class LedgerMachine(RuleBasedStateMachine):
    template: ClassVar[Path | None] = None
    postgres_url: ClassVar[str | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.runner = asyncio.Runner()
        self.balances: dict[Key, int] = defaultdict(int)
        self.keys: dict[str, Any] = {}
        self.applied: list[tuple[int, Movement]] = []
        self.run(self._open())

    async def _open(self) -> None:
        """A fresh, empty database for every example."""
        if self.postgres_url is not None:
            await truncate_postgres(self.postgres_url)
            url = self.postgres_url
        else:
            assert self.template is not None
            path = Path(self.directory.name) / "ledger.db"
            shutil.copy(self.template, path)
            url = f"sqlite://{path}"
        await open_database(url)
        await declare_locations(LOCATIONS)
        for sku in SKUS:
            await add_sku(sku)

    def run(self, work: Awaitable[T]) -> T:
        async def wait() -> T:  # querysets are awaitable but not coroutines
            return await work

        return self.runner.run(wait())

    def teardown(self) -> None:
        self.run(close_database())
        self.runner.close()
        self.directory.cleanup()

    def _fits(self, movement: Movement) -> bool:
        source = (movement.sku, movement.source.location, str(movement.source.bucket))
        return not movement.guarded or self.balances[source] >= movement.quantity

    def _apply(self, movement: Movement) -> None:
        for position, delta in movement.deltas().items():
            self.balances[(movement.sku, position.location, str(position.bucket))] += delta

    def _post_and_check(self, movement: Movement, key: str | None) -> None:
        content = movement.content()
        if key is not None and key in self.keys:
            try:
                result = self.run(posting.post([movement], idempotency_key=key))
            except IdempotencyConflict:
                assert self.keys[key] != content
            else:
                assert self.keys[key] == content
                assert not result.applied
            return
        if not self._fits(movement):
            try:
                self.run(posting.post([movement], idempotency_key=key))
            except InsufficientStock:
                return
            raise AssertionError(f"{movement} should have been refused")
        result = self.run(posting.post([movement], idempotency_key=key))
        assert result.applied
        self._apply(movement)
        if key is not None:
            self.keys[key] = content
        row = self.run(models.Movement.filter(posting=result.posting).first())
        assert row is not None
        self.applied.append((row.id, movement))

    @rule(movement=movements(), key=st.none() | st.sampled_from(["k1", "k2", "k3", "k4"]))
    def post(self, movement: Movement, key: str | None) -> None:
        self._post_and_check(movement, key)

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        if not self.applied:
            return
        movement_id, movement = data.draw(st.sampled_from(self.applied))
        self._post_and_check(ledger.reverse(movement, movement_id), key=None)

    @rule(sku=skus, location=locations, counted=st.integers(min_value=0, max_value=30))
    def count(self, sku: str, location: str, counted: int) -> None:
        on_hand = sum(
            self.balances[(sku, location, bucket)]
            for bucket in ("available", "committed", "damaged")
        )
        self.run(posting.post([ledger.Count(sku, counted, location)]))
        self.balances[(sku, location, "available")] += counted - on_hand
        self.balances[(sku, location, "count_difference")] -= counted - on_hand

    @invariant()
    def balances_equal_the_model_and_every_sku_sums_to_zero(self) -> None:
        rows = self.run(
            models.Balance.all().values_list("sku_id", "location_id", "bucket", "quantity")
        )
        stored = {(s, loc, b): q for s, loc, b, q in rows if q}
        assert stored == {k: v for k, v in self.balances.items() if v}
        for sku in SKUS:
            assert sum(q for (s, _, _), q in stored.items() if s == sku) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_ledger_matches_a_simple_model(backend: str, request: pytest.FixtureRequest) -> None:
    """Postings, duplicate keys, refusals, counts and reversals never break the books."""
    if backend == "sqlite":
        LedgerMachine.template = request.getfixturevalue("sqlite_template")
        LedgerMachine.postgres_url = None
    else:
        LedgerMachine.postgres_url = request.getfixturevalue("postgres_url")
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
