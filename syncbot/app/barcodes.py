"""Barcodes of the catalogue: give one to a SKU, take it off, list them, and find the SKU a
typed or scanned code names. A GTIN's check digit is checked (`ledger.barcodes`)."""

from __future__ import annotations

from syncbot.ledger import ValidationError
from syncbot.ledger.barcodes import BadCheckDigit, BarcodeKind
from syncbot.store.barcodes import (
    Barcode,
    BarcodeTaken,
    UnknownBarcode,
    check_barcode,
    check_new_barcode,
)
from syncbot.store.barcodes import add as add
from syncbot.store.barcodes import listed as listed
from syncbot.store.barcodes import remove as remove
from syncbot.store.barcodes import resolve as resolve
from syncbot.store.barcodes import sku_named as sku_named
from syncbot.store.catalogue import check_sku_code

__all__ = [
    "BadCheckDigit",
    "Barcode",
    "BarcodeKind",
    "BarcodeTaken",
    "UnknownBarcode",
    "add",
    "check_barcode",
    "check_new_barcode",
    "check_sku_or_barcode",
    "listed",
    "remove",
    "resolve",
    "sku_named",
]


def check_sku_or_barcode(code: str) -> str:
    """Refuses (ValidationError, the SKU's message) a code that can be neither a SKU code
    nor a barcode, before anything is opened."""
    try:
        return check_sku_code(code)
    except ValidationError as not_a_sku:
        try:
            return check_barcode(code)
        except ValidationError:
            raise not_a_sku from None
