"""Order lines of bundles, folded purely: a bundle line moves its components exactly as
selling them alone would, by the recipe the line was taken with."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from syncbot import ledger
from syncbot.ledger.bundles import Component, Recipe
from syncbot.ledger.movements import MAX_QUANTITY, Movement
from syncbot.ledger.orders import (
    RETURN,
    Disposition,
    LineRecipe,
    OrderEvent,
    OrderLine,
    OrderRecord,
    OrderReturn,
    OrderSnapshot,
    ReturnLine,
    decode,
    encode,
    receive,
    settle,
    untaken,
)

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
GIFT_V1 = LineRecipe(Recipe("GIFT-1", (Component("MUG-1", 2), Component("TEE-1", 1))), 1)
GIFT_V2 = LineRecipe(Recipe("GIFT-1", (Component("CAP-1", 3),)), 2)
KNOWN = {"GIFT-1", "MUG-1", "TEE-1", "CAP-1"}


def gift(minutes: int, current: int, fulfilled: int = 0, *, line_id: str = "L1") -> OrderSnapshot:
    line = OrderLine(line_id, "GIFT-1", quantity=2, current=current, fulfilled=fulfilled)
    return OrderSnapshot("1001", T0 + timedelta(minutes=minutes), (line,))


def deliver(
    events: Sequence[OrderEvent],
    recipes: dict[str, LineRecipe] | None = None,
    record: OrderRecord | None = None,
    known: set[str] = KNOWN,
) -> tuple[OrderRecord, list[Movement]]:
    """Each event received and settled in turn, as the store does."""
    record = record or OrderRecord()
    movements: list[Movement] = []
    for event in events:
        record, moved, _ = settle(receive(record, event), known, recipes or {})
        movements += moved
    return record, movements


def net(movements: Sequence[Movement]) -> dict[tuple[str, str], int]:
    """Each SKU's quantity per bucket after the movements, zeros left out."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for (sku, position), quantity in ledger.replay(movements).items():
        totals[sku, str(position.bucket)] += quantity
    return {key: value for key, value in totals.items() if value}


class TestBundleLines:
    def test_a_line_of_two_gift_sets_commits_four_mugs_and_two_tees(self) -> None:
        _, moved = deliver([gift(0, 2)], {"GIFT-1": GIFT_V1})
        assert net(moved) == {
            ("MUG-1", "available"): -4,
            ("MUG-1", "committed"): 4,
            ("TEE-1", "available"): -2,
            ("TEE-1", "committed"): 2,
        }
        assert {m.reason for m in moved} == {"order placed, in bundle GIFT-1"}

    def test_fulfilling_and_cancelling_move_whole_bundles(self) -> None:
        """One set shipped, the other cancelled: 2 mugs and 1 tee leave, the rest is back."""
        _, moved = deliver([gift(0, 2), gift(1, 2, 1), gift(2, 1, 1)], {"GIFT-1": GIFT_V1})
        assert net(moved) == {
            ("MUG-1", "available"): -2,
            ("MUG-1", "customer"): 2,
            ("TEE-1", "available"): -1,
            ("TEE-1", "customer"): 1,
        }

    def test_a_return_restocks_the_components_with_its_disposition(self) -> None:
        back = OrderReturn("1001", (ReturnLine("R1", "L1", "GIFT-1", 1, Disposition.DAMAGED),))
        record, moved = deliver([gift(0, 2, 2), back, back], {"GIFT-1": GIFT_V1})
        assert net(moved)["MUG-1", "damaged"] == 2
        assert net(moved)["TEE-1", "damaged"] == 1
        assert net(moved)["MUG-1", "customer"] == 2
        assert "R1" in record.state.returns_applied
        assert record.waiting == ()

    def test_a_line_keeps_the_recipe_it_was_taken_with(self) -> None:
        """The recipe changes after the order is taken: its later events use the old one,
        and a line added to the order later takes the new one."""
        record, _ = deliver([gift(0, 2)], {"GIFT-1": GIFT_V1})
        assert untaken(receive(record, gift(1, 1))) == set()
        record, moved = deliver([gift(1, 1)], {"GIFT-1": GIFT_V2}, record)
        assert net(moved) == {
            ("MUG-1", "available"): 2,
            ("MUG-1", "committed"): -2,
            ("TEE-1", "available"): 1,
            ("TEE-1", "committed"): -1,
        }
        both = OrderSnapshot(
            "1001",
            T0 + timedelta(minutes=2),
            (*gift(0, 1).lines, *gift(0, 1, line_id="L2").lines),
        )
        record, moved = deliver([both], {"GIFT-1": GIFT_V2}, record)
        assert net(moved) == {("CAP-1", "available"): -3, ("CAP-1", "committed"): 3}
        assert record.recipes == {"L1": GIFT_V1, "L2": GIFT_V2}

    def test_a_line_taken_as_a_plain_sku_stays_plain(self) -> None:
        """Taken before GIFT-1 had a recipe: its cancelling releases GIFT-1 itself."""
        record, _ = deliver([gift(0, 2)])
        _, moved = deliver([gift(1, 0)], {"GIFT-1": GIFT_V1}, record)
        assert net(moved) == {("GIFT-1", "available"): 2, ("GIFT-1", "committed"): -2}

    def test_too_many_bundles_for_the_ledger_are_parked_with_the_reason(self) -> None:
        huge = OrderLine("L1", "GIFT-1", MAX_QUANTITY, MAX_QUANTITY, 0)
        snapshot = OrderSnapshot("1001", T0, (huge,))
        _, moved, parked = settle(receive(OrderRecord(), snapshot), KNOWN, {"GIFT-1": GIFT_V1})
        assert moved == []
        assert [(line.line_id, line.sku) for line in parked] == [("L1", "GIFT-1")]
        assert "units of MUG-1, over the limit" in parked[0].reason

    def test_an_unknown_bundle_waits_parked_like_any_sku(self) -> None:
        back = OrderReturn("1001", (ReturnLine("R1", "L1", "GIFT-1", 1, Disposition.RESTOCK),))
        record = receive(receive(OrderRecord(), gift(0, 2, 2)), back)
        record, moved, parked = settle(record, KNOWN - {"GIFT-1"})
        assert moved == []
        assert [line.line_id for line in parked] == ["L1", RETURN + "R1"]
        _, moved, parked = settle(record, KNOWN, {"GIFT-1": GIFT_V1})
        assert net(moved) == {
            ("MUG-1", "available"): -2,
            ("MUG-1", "customer"): 2,
            ("TEE-1", "available"): -1,
            ("TEE-1", "customer"): 1,
        }
        assert parked == []

    def test_the_kept_recipes_survive_the_store(self) -> None:
        record, _ = deliver([gift(0, 2)], {"GIFT-1": GIFT_V1})
        assert decode(encode(record)) == record
        assert decode({**encode(record), "recipes": {}}).recipes == {}


@st.composite
def bundle_histories(draw: st.DrawFn) -> tuple[LineRecipe, list[OrderEvent]]:
    """A recipe, and a bundle line's events: fulfilment grows, edits remove, refunds,
    cancelling and returns with any disposition."""
    skus = draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, unique=True))
    parts = tuple(Component(sku, draw(st.integers(1, 5))) for sku in sorted(skus))
    kept = LineRecipe(Recipe("KIT", parts), 1)
    quantity = draw(st.integers(1, 6))
    current, fulfilled, returned, cancelled = quantity, 0, 0, False
    events: list[OrderEvent] = []
    for minute in range(draw(st.integers(1, 6))):
        step = draw(st.sampled_from(["fulfil", "edit", "cancel", "refund", "return"]))
        if step == "fulfil" and not cancelled:
            fulfilled += draw(st.integers(0, current - fulfilled))
        elif step == "edit" and not cancelled:
            current = fulfilled + draw(st.integers(0, current - fulfilled))
        elif step == "cancel":
            cancelled = True
        elif step == "refund" and not cancelled and current > fulfilled:
            units = draw(st.integers(1, current - fulfilled))
            current -= units
            refund = ReturnLine(f"C{minute}", "L1", "KIT", units, Disposition.CANCEL)
            events.append(OrderReturn("1001", (refund,)))
        elif step == "return" and fulfilled > returned:
            units = draw(st.integers(1, fulfilled - returned))
            returned += units
            kind = draw(st.sampled_from(list(Disposition)))
            events.append(
                OrderReturn("1001", (ReturnLine(f"R{minute}", "L1", "KIT", units, kind),))
            )
        line = OrderLine("L1", "KIT", quantity, current, fulfilled)
        events.append(OrderSnapshot("1001", T0 + timedelta(minutes=minute), (line,), cancelled))
    return kept, events


def as_components(event: OrderEvent, kept: LineRecipe) -> OrderEvent:
    """The same event had the customer bought the components alone, one line each."""
    if isinstance(event, OrderSnapshot):
        lines = tuple(
            OrderLine(
                f"L1-{part.sku}",
                part.sku,
                line.quantity * part.quantity,
                line.current * part.quantity,
                line.fulfilled * part.quantity,
            )
            for line in event.lines
            for part in kept.recipe.components
        )
        return OrderSnapshot(event.order_id, event.updated_at, lines, event.cancelled)
    backs = tuple(
        ReturnLine(
            f"{back.return_line_id}-{part.sku}",
            f"L1-{part.sku}",
            part.sku,
            back.quantity * part.quantity,
            back.disposition,
        )
        for back in event.lines
        for part in kept.recipe.components
    )
    return OrderReturn(event.order_id, backs)


@settings(max_examples=300)
@given(history=bundle_histories(), data=st.data())
def test_selling_a_bundle_moves_its_components_as_selling_them_alone_would(
    history: tuple[LineRecipe, list[OrderEvent]], data: st.DataObject
) -> None:
    """Whatever happens to the line, in whatever order and however often it is delivered,
    every component ends as it would had its units been sold alone; and each SKU's
    buckets sum to zero."""
    kept, events = history
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    shuffled = data.draw(st.permutations(events + duplicates))
    skus = {part.sku for part in kept.recipe.components}
    _, as_bundle = deliver(shuffled, {"KIT": kept}, known=skus | {"KIT"})
    _, alone = deliver([as_components(event, kept) for event in events], known=skus)
    assert net(as_bundle) == net(alone)
    assert {movement.sku for movement in as_bundle} <= skus
    for sku in skus:
        assert sum(value for (code, _), value in net(as_bundle).items() if code == sku) == 0
