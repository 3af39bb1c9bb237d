"""Barcodes of the catalogue: give one to a SKU, take it off, list them (issue 15 adds
GTIN check digits and the import from storefronts on top)."""

from __future__ import annotations

from syncbot.store.barcodes import Barcode, BarcodeTaken, UnknownBarcode, check_barcode
from syncbot.store.barcodes import add as add
from syncbot.store.barcodes import listed as listed
from syncbot.store.barcodes import remove as remove
from syncbot.store.barcodes import resolve as resolve

__all__ = [
    "Barcode",
    "BarcodeTaken",
    "UnknownBarcode",
    "add",
    "check_barcode",
    "listed",
    "remove",
    "resolve",
]
