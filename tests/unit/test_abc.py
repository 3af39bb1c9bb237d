"""ABC classes (`ledger.abc`): the worked examples of docs/reports.md, and the rules every
classification keeps whatever the figures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncbot.ledger.abc import A_SHARE, B_SHARE, classify


def classes(figures: dict[str, int]) -> list[tuple[str, str]]:
    return [(ranked.code, ranked.abc) for ranked in classify(figures)]


class TestWorkedExamples:
    def test_the_sku_crossing_80_percent_is_a_and_the_next_b(self) -> None:
        """Units 80, 10, 8 of 98: the second starts at 81.6 %, the third at 91.8 %."""
        assert classes({"MUG": 80, "CAP": 10, "PEN": 8}) == [
            ("MUG", "A"),
            ("CAP", "B"),
            ("PEN", "B"),
        ]

    def test_by_value_the_third_starts_above_95_percent(self) -> None:
        """Values 160, 100, 8 of 268: the second starts at 59.7 %, the third at 97 %."""
        assert classes({"MUG": 160, "CAP": 100, "PEN": 8}) == [
            ("MUG", "A"),
            ("CAP", "A"),
            ("PEN", "C"),
        ]

    def test_a_lone_seller_is_a_and_nothing_sold_is_c(self) -> None:
        assert classes({"ONE": 5, "NONE": 0, "BACK": -3}) == [
            ("ONE", "A"),
            ("BACK", "C"),
            ("NONE", "C"),
        ]

    def test_exactly_80_percent_before_a_sku_makes_it_b(self) -> None:
        assert classes({"A1": 80, "B1": 15, "C1": 5}) == [("A1", "A"), ("B1", "B"), ("C1", "C")]

    def test_ties_rank_by_code(self) -> None:
        ranked = classify({"Z": 10, "A": 10})
        assert [(r.code, r.rank, r.cumulative) for r in ranked] == [("A", 1, 10), ("Z", 2, 20)]


figures = st.dictionaries(
    st.text("ABCDEFGH", min_size=1, max_size=3), st.integers(-5, 10_000), max_size=40
)


@given(figures)
def test_classes_follow_the_rank_and_a_stays_within_its_share(values: dict[str, int]) -> None:
    """Classes never improve down the ranking; what comes before the last A is below 80 %
    of the total, and before the last B below 95 %."""
    ranked = classify(values)
    assert [r.code for r in ranked] == sorted(values, key=lambda c: (-max(0, values[c]), c))
    order = "ABC"
    assert [order.index(r.abc) for r in ranked] == sorted(order.index(r.abc) for r in ranked)
    total = sum(max(0, v) for v in values.values())
    for r in ranked:
        before = r.cumulative - r.figure
        if r.abc == "A":
            assert before * 100 < A_SHARE * total
        if r.abc == "B":
            assert A_SHARE * total <= before * 100 < B_SHARE * total
        if r.figure > 0 and before * 100 < A_SHARE * total:
            assert r.abc == "A"
    assert ranked[-1].cumulative == total if ranked else total == 0
