"""Barcodes: which SKU each one names. One barcode names one SKU; a SKU may have many.

A GTIN-shaped code (8, 12, 13 or 14 digits) must carry a right check digit and is stored as
kind `gtin`; any other code is kind `internal` (`ledger.barcodes`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from syncbot.ledger import UnknownSku, ValidationError
from syncbot.ledger.barcodes import BarcodeKind, barcode_kind
from syncbot.ledger.limits import MAX_SKU_LENGTH, quoted
from syncbot.store import models

# 1 to 64 printable characters, no spaces: what a scanner types, and fits a CSV cell.
_BARCODE = re.compile(r"^[\x21-\x7e]{1,64}$")


class BarcodeTaken(ValidationError):
    """The barcode already names a SKU: it is never moved silently."""

    def __init__(self, barcode: str, sku: str) -> None:
        super().__init__(
            f"barcode {barcode} already belongs to SKU {sku}: remove it there first "
            f"(`syncbot sku barcode remove {barcode}`)"
        )
        self.barcode = barcode
        self.sku = sku


class UnknownBarcode(ValidationError):
    def __init__(self, barcode: str) -> None:
        super().__init__(f"barcode {barcode} names no SKU: `syncbot sku barcode list` shows them")
        self.barcode = barcode


@dataclass(frozen=True, slots=True)
class Barcode:
    barcode: str
    sku: str
    created_at: datetime
    kind: str = BarcodeKind.INTERNAL
    """`gtin` or `internal`."""


def check_barcode(barcode: str) -> str:
    if not _BARCODE.match(barcode):
        raise ValidationError(
            f"barcode {quoted(barcode)} is not valid: use 1 to 64 printable characters, no spaces"
        )
    return barcode


def check_new_barcode(barcode: str) -> BarcodeKind:
    """The kind of a barcode about to be given to a SKU: its shape checked, and a GTIN's
    check digit (BadCheckDigit, a ValidationError, names the expected one)."""
    return barcode_kind(check_barcode(barcode))


async def add(sku: str, barcode: str) -> Barcode:
    """Gives `barcode` to `sku`; refuses a bad shape or check digit, an unknown SKU, and a
    barcode another SKU holds (BarcodeTaken names it). Adding it again to the same SKU
    changes nothing."""
    kind = check_new_barcode(barcode)
    async with in_transaction() as connection:
        if not await models.Sku.filter(code=sku).using_db(connection).exists():
            raise UnknownSku(sku)
        held = await models.SkuBarcode.filter(barcode=barcode).using_db(connection).first()
        if held is not None:
            if held.sku_id != sku:
                raise BarcodeTaken(barcode, held.sku_id)
            return Barcode(barcode, sku, held.created_at, held.kind)
        try:
            row = await models.SkuBarcode.create(
                barcode=barcode, sku_id=sku, kind=kind, using_db=connection
            )
        except IntegrityError as race:  # another writer gave it away in between
            holder = await models.SkuBarcode.get(barcode=barcode)
            raise BarcodeTaken(barcode, holder.sku_id) from race
    return Barcode(barcode, sku, row.created_at, kind)


async def remove(barcode: str) -> Barcode:
    """Takes `barcode` off its SKU; UnknownBarcode when it names none."""
    check_barcode(barcode)
    row = await models.SkuBarcode.get_or_none(barcode=barcode)
    if row is None or not await models.SkuBarcode.filter(id=row.id).delete():
        raise UnknownBarcode(barcode)
    return Barcode(barcode, row.sku_id, row.created_at, row.kind)


async def listed(sku: str | None = None) -> list[Barcode]:
    """Every barcode (of `sku`, which must exist, when given), by SKU then barcode."""
    query = models.SkuBarcode.all()
    if sku is not None:
        if not await models.Sku.exists(code=sku):
            raise UnknownSku(sku)
        query = query.filter(sku_id=sku)
    rows = await query.order_by("sku_id", "barcode").values_list(
        "barcode", "sku_id", "created_at", "kind"
    )
    return [Barcode(barcode, code, at, kind) for barcode, code, at, kind in rows]


async def resolve(code: str) -> str:
    """The SKU that `code` names: a SKU code is itself, a barcode names its SKU. A SKU code
    wins over a barcode, so a typed SKU never means something else; UnknownSku when neither."""
    if 0 < len(code) <= MAX_SKU_LENGTH and await models.Sku.exists(code=code):
        return code
    if _BARCODE.match(code):
        held = await models.SkuBarcode.get_or_none(barcode=code)
        if held is not None:
            return str(held.sku_id)
    raise UnknownSku(code)


async def sku_named(code: str) -> str:
    """What a caller should look up for `code`: the SKU its barcode names when no SKU has
    that code, else `code` itself, so an unknown code meets the caller's own refusal
    (UnknownSku, a line not on an order, ...) exactly as before barcodes existed."""
    try:
        return await resolve(code)
    except UnknownSku:
        return code


@dataclass(frozen=True, slots=True)
class ImportConflict:
    """A barcode a storefront gives a SKU that syncbot did not take, and why."""

    barcode: str
    sku: str
    problem: str


@dataclass(slots=True)
class Imported:
    added: list[Barcode]
    conflicts: list[ImportConflict]
    unchanged: int = 0
    """Offered barcodes the SKU already had."""


async def import_barcodes(offered: Iterable[tuple[str, str]]) -> Imported:
    """Gives each offered `(sku, barcode)` its barcode, in sorted order; never moves or
    overwrites one. A barcode another SKU holds (or that an earlier pair just gave to
    another), a wrong GTIN check digit, a malformed code or an unknown SKU is a conflict:
    reported, nothing written for it."""
    pairs = sorted(set(offered))
    held: dict[str, str] = {}
    codes = sorted({barcode for _, barcode in pairs})
    for start in range(0, len(codes), 500):
        rows = await models.SkuBarcode.filter(barcode__in=codes[start : start + 500]).values_list(
            "barcode", "sku_id"
        )
        held.update({str(barcode): str(sku) for barcode, sku in rows})
    imported = Imported([], [])
    for sku, barcode in pairs:
        if held.get(barcode) == sku:
            imported.unchanged += 1
            continue
        try:
            if barcode in held:
                raise BarcodeTaken(barcode, held[barcode])
            added = await add(sku, barcode)
        except (ValidationError, UnknownSku) as refusal:
            imported.conflicts.append(ImportConflict(barcode, sku, str(refusal)))
            continue
        held[barcode] = sku
        imported.added.append(added)
    return imported
