"""Barcodes of the catalogue: give one to a SKU, take it off, list them, and find the SKU a
typed or scanned code names. A GTIN's check digit is checked (`ledger.barcodes`)."""

from __future__ import annotations

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

__all__ = [
    "BadCheckDigit",
    "Barcode",
    "BarcodeKind",
    "BarcodeTaken",
    "UnknownBarcode",
    "add",
    "check_barcode",
    "check_new_barcode",
    "listed",
    "remove",
    "resolve",
]
