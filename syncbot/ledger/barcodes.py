"""What kind of barcode a code is, and whether a GTIN's check digit is right.

A code of 8, 12, 13 or 14 digits is a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14/ITF-14) and must
carry its mod-10 check digit; any other code is a free-form internal code.

The check digit is the last digit. Counting from it leftwards, the digits weigh 1, 3, 1,
3, ... (the check digit weighs 1); a GTIN is valid when the weighted sum is a multiple of
10. What that catches, exactly:

- every single-digit substitution: a digit weighing 1 changes the sum by its change, one
  weighing 3 by three times it, and neither is a multiple of 10 for a change of 1 to 9;
- an adjacent transposition of digits a and b changes the sum by 2(a - b), so it is caught
  unless a - b is 0 or ±5: swapping 0↔5, 1↔6, 2↔7, 3↔8 or 4↔9 goes unseen (0↔9 is caught).
"""

from __future__ import annotations

from enum import StrEnum

from syncbot.ledger.errors import ValidationError

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


class BarcodeKind(StrEnum):
    GTIN = "gtin"
    INTERNAL = "internal"


class BadCheckDigit(ValidationError):
    """A code shaped like a GTIN whose last digit is not its check digit."""

    def __init__(self, barcode: str, expected: int) -> None:
        super().__init__(
            f"barcode {barcode} looks like a GTIN-{len(barcode)} but its check digit is "
            f"{barcode[-1]}, not {expected}: a mistyped or misread digit? "
            f"(the valid code is {barcode[:-1]}{expected})"
        )
        self.barcode = barcode
        self.expected = expected


def is_gtin_shaped(code: str) -> bool:
    """Whether the code must be checked as a GTIN: only ASCII digits, of a GTIN's length."""
    return len(code) in GTIN_LENGTHS and code.isascii() and code.isdigit()


def check_digit(body: str) -> int:
    """The check digit for a GTIN without its last digit (ASCII digits only)."""
    # The digit next to the check digit weighs 3, then 1, 3, ... going left.
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def barcode_kind(code: str) -> BarcodeKind:
    """GTIN for a GTIN-shaped code with a right check digit, INTERNAL for any code not
    GTIN-shaped; raises BadCheckDigit, naming the expected digit, for a wrong one."""
    if not is_gtin_shaped(code):
        return BarcodeKind.INTERNAL
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise BadCheckDigit(code, expected)
    return BarcodeKind.GTIN
