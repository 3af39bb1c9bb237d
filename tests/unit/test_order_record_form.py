"""An order's record as the store keeps it: the JSON `encode` writes is the form rows
already stored hold, to the byte, and `decode` reads every record back unchanged."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger.bundles import Component, Recipe
from syncbot.ledger.orders import (
    Disposition,
    LineRecipe,
    LineState,
    OrderLine,
    OrderRecord,
    OrderSnapshot,
    OrderState,
    ParkedLine,
    ReturnLine,
    decode,
    encode,
)
from syncbot.ledger.orders.bundle_lines import encode_recipe

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)

STORED = (
    '{"updated_at":"2026-11-01T12:00:00+00:00","cancelled":true,"lines":{"L1":{"sku":"MUG-1",'
    '"location":"east","committed":1,"fulfilled":2,"quantity":4,"current":3,'
    '"refund_cancelled":1},"L2":{"sku":"TEE-1","location":"main","committed":0,"fulfilled":0,'
    '"quantity":null,"current":0,"refund_cancelled":0}},"returns_applied":["R1","R2"],'
    '"latest":{"order_id":"1001","updated_at":"2026-11-01T12:05:00+00:00","cancelled":true,'
    '"lines":[{"line_id":"L1","sku":"MUG-1","quantity":4,"current":3,"fulfilled":2,'
    '"location":"east"},{"line_id":"L3","sku":"GIFT-1","quantity":1,"current":1,"fulfilled":0,'
    '"location":"main"}]},"waiting":[{"return_line_id":"R3","line_id":"L1","sku":"NEW-1",'
    '"quantity":1,"disposition":"damaged","location":"east"}],"refused":{"L9":{"sku":"BIG",'
    '"quantity":7,"reason":"quantity 9 is over the limit"}},"recipes":{"L3":{"bundle":"GIFT-1",'
    '"version":3,"components":[["MUG-1",2],["TEE-1",1]]}}}'
)
"""A record with every field away from its default, as the store wrote it before `encode`
was written out by hand (with `dataclasses.asdict`)."""


def as_stored(record: OrderRecord) -> str:
    """The JSON text of the store's column (compact, as Tortoise writes it)."""
    return json.dumps(encode(record), separators=(",", ":"), ensure_ascii=False)


def by_asdict(record: OrderRecord) -> str:
    """The former `encode`, with `dataclasses.asdict`: the form stored rows hold."""
    state, latest = record.state, record.latest
    former: dict[str, Any] = {
        "updated_at": None if state.updated_at is None else state.updated_at.isoformat(),
        "cancelled": state.cancelled,
        "lines": {line_id: asdict(line) for line_id, line in state.lines.items()},
        "returns_applied": sorted(state.returns_applied),
        "latest": None
        if latest is None
        else {
            "order_id": latest.order_id,
            "updated_at": latest.updated_at.isoformat(),
            "cancelled": latest.cancelled,
            "lines": [asdict(line) for line in latest.lines],
        },
        "waiting": [asdict(line) for line in record.waiting],
        "refused": {
            line_id: {"sku": line.sku, "quantity": line.quantity, "reason": line.reason}
            for line_id, line in record.refused.items()
        },
        "recipes": {line_id: encode_recipe(kept) for line_id, kept in record.recipes.items()},
    }
    return json.dumps(former, separators=(",", ":"), ensure_ascii=False)


def rich() -> OrderRecord:
    return OrderRecord(
        state=OrderState(
            updated_at=T0,
            cancelled=True,
            lines={
                "L1": LineState("MUG-1", "east", 1, 2, quantity=4, current=3, refund_cancelled=1),
                "L2": LineState("TEE-1"),
            },
            returns_applied=frozenset({"R2", "R1"}),
        ),
        latest=OrderSnapshot(
            "1001",
            T0 + timedelta(minutes=5),
            (OrderLine("L1", "MUG-1", 4, 3, 2, "east"), OrderLine("L3", "GIFT-1", 1, 1, 0)),
            cancelled=True,
        ),
        waiting=(ReturnLine("R3", "L1", "NEW-1", 1, Disposition.DAMAGED, "east"),),
        refused={"L9": ParkedLine("L9", "BIG", 7, "quantity 9 is over the limit")},
        recipes={
            "L3": LineRecipe(Recipe("GIFT-1", (Component("MUG-1", 2), Component("TEE-1", 1))), 3)
        },
    )


def test_a_record_is_written_as_stored_rows_hold_it() -> None:
    """Every field, in its order, and the same text: rows stored before read the same."""
    assert as_stored(rich()) == STORED


def test_a_stored_record_reads_back_whole() -> None:
    assert decode(json.loads(STORED)) == rich()


texts = st.text(max_size=6)
counts = st.integers(0, 2**40)
moments = st.datetimes(timezones=st.just(UTC))
line_states = st.builds(
    LineState,
    sku=texts,
    location=texts,
    committed=counts,
    fulfilled=counts,
    quantity=st.none() | counts,
    current=counts,
    refund_cancelled=counts,
)
order_lines = st.builds(
    OrderLine,
    line_id=texts,
    sku=texts,
    quantity=counts,
    current=counts,
    fulfilled=counts,
    location=texts,
)
return_lines = st.builds(
    ReturnLine,
    return_line_id=texts,
    line_id=texts,
    sku=texts,
    quantity=counts,
    disposition=st.sampled_from(Disposition),
    location=texts,
)
recipes = st.builds(
    LineRecipe,
    recipe=st.builds(
        Recipe, bundle=texts, components=st.lists(st.builds(Component, texts, counts)).map(tuple)
    ),
    version=counts,
)


@st.composite
def records(draw: st.DrawFn) -> OrderRecord:
    """Any record: lines applied, a latest snapshot or none, returns waiting, refusals and
    kept recipes, with figures and ids of every kind."""
    refused = draw(st.dictionaries(texts, st.tuples(texts, counts, texts), max_size=3))
    return OrderRecord(
        state=OrderState(
            updated_at=draw(st.none() | moments),
            cancelled=draw(st.booleans()),
            lines=draw(st.dictionaries(texts, line_states, max_size=3)),
            returns_applied=draw(st.frozensets(texts, max_size=3)),
        ),
        latest=draw(
            st.none()
            | st.builds(
                OrderSnapshot,
                order_id=texts,
                updated_at=moments,
                lines=st.lists(order_lines, max_size=3).map(tuple),
                cancelled=st.booleans(),
            )
        ),
        waiting=tuple(draw(st.lists(return_lines, max_size=3))),
        refused={key: ParkedLine(key, *line) for key, line in refused.items()},
        recipes=draw(st.dictionaries(texts, recipes, max_size=2)),
    )


@given(records())
def test_any_record_is_written_as_asdict_wrote_it_and_reads_back(record: OrderRecord) -> None:
    """The hand-written form is asdict's, field for field, and decodes to the record."""
    assert as_stored(record) == by_asdict(record)
    assert decode(json.loads(as_stored(record))) == record
