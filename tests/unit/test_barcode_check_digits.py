"""GTIN check digits: every valid GTIN passes, every single-digit error and every adjacent
transposition mod 10 can see is refused, and the ones it cannot see are exactly the swaps
of digits five apart."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from syncbot.ledger.barcodes import BadCheckDigit, BarcodeKind, barcode_kind, check_digit

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@st.composite
def gtins(draw: st.DrawFn) -> str:
    """A valid GTIN-8, 12, 13 or 14: random body, then its check digit."""
    length = draw(st.sampled_from([8, 12, 13, 14]))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return body + str(check_digit(body))


def swapped(code: str, at: int) -> str:
    return code[:at] + code[at + 1] + code[at] + code[at + 2 :]


class TestKnownCodes:
    @pytest.mark.parametrize(
        "code",
        ["4006381333931", "5012345678900", "036000291452", "96385074", "10614141000415"],
    )
    def test_published_gtins_are_gtins(self, code: str) -> None:
        """EAN-13, UPC-A, EAN-8 and GTIN-14 examples from GS1 and the wild."""
        assert barcode_kind(code) is BarcodeKind.GTIN

    def test_a_wrong_check_digit_names_the_expected_one(self) -> None:
        with pytest.raises(BadCheckDigit) as refused:
            barcode_kind("4006381333932")
        assert refused.value.expected == 1
        assert "check digit is 2, not 1" in str(refused.value)
        assert "4006381333931" in str(refused.value)

    @pytest.mark.parametrize(
        "code",
        ["123", "INT-RED-M", "1234567", "123456789", "12345678901", "123456789012345", "4OO6"],
    )
    def test_codes_not_shaped_like_a_gtin_are_internal(self, code: str) -> None:
        """Digits of another length, or letters: free-form, never checked."""
        assert barcode_kind(code) is BarcodeKind.INTERNAL

    def test_non_ascii_digits_are_not_a_gtin(self) -> None:
        """Arabic-Indic digits are `isdigit()` but no scanner prints them."""
        assert barcode_kind("\u0664" * 13) is BarcodeKind.INTERNAL


class TestProperties:
    @given(gtins())
    def test_every_valid_gtin_passes(self, code: str) -> None:
        assert barcode_kind(code) is BarcodeKind.GTIN

    @given(gtins(), st.data())
    def test_any_single_digit_substitution_is_refused(self, code: str, data: st.DataObject) -> None:
        """Weights 1 and 3 are both prime to 10, so changing one digit always breaks the sum."""
        at = data.draw(st.integers(0, len(code) - 1))
        other = data.draw(digits.filter(lambda digit: digit != code[at]))
        with pytest.raises(BadCheckDigit):
            barcode_kind(code[:at] + other + code[at + 1 :])

    @given(gtins(), st.data())
    def test_adjacent_transpositions_not_five_apart_are_refused(
        self, code: str, data: st.DataObject
    ) -> None:
        """Swapping neighbours a, b changes the sum by 2(a - b): refused unless a - b is 0
        or ±5 (the check digit itself included)."""
        at = data.draw(
            st.integers(0, len(code) - 2).filter(
                lambda i: abs(int(code[i]) - int(code[i + 1])) not in (0, 5)
            )
        )
        with pytest.raises(BadCheckDigit):
            barcode_kind(swapped(code, at))

    @given(gtins(), st.data())
    def test_transpositions_of_digits_five_apart_go_unseen(
        self, code: str, data: st.DataObject
    ) -> None:
        """The limit of mod 10, stated as a property so the docs cannot overclaim: 0↔5,
        1↔6, 2↔7, 3↔8, 4↔9 swapped pass the check, wherever they stand."""
        five_apart = [i for i in range(len(code) - 1) if abs(int(code[i]) - int(code[i + 1])) == 5]
        assume(five_apart)
        at = data.draw(st.sampled_from(five_apart))
        assert barcode_kind(swapped(code, at)) is BarcodeKind.GTIN
