"""The record forms: what each kind asks for, a posted form read into one ledger entry, and
each refusal placed beside the field it is about, so the form comes back as it was typed.

Reading checks what the form alone can tell (a whole number, a declared location, a
transfer between two places, a reason where one is needed); the ledger's builders check
the rest, and its errors from posting (an unknown SKU, too little stock) carry the data
`place` needs to put them beside their field.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncbot.app.actor import Actor, Via
from syncbot.app.roles import Role, role_for_movement
from syncbot.ledger import (
    DEFAULT_LOCATION,
    Bucket,
    Count,
    Entry,
    IdempotencyConflict,
    InsufficientStock,
    InvalidMovement,
    LedgerError,
    UnknownLocation,
    UnknownSku,
    ValidationError,
    adjust,
    damage,
    receive,
    transfer,
)
from syncbot.ledger.costing import parse_cost
from syncbot.ledger.limits import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    MAX_REASON_LENGTH,
    MAX_SKU_LENGTH,
    text_problem,
)

FORM = "form"
"""The errors key of a refusal about the whole form rather than one field."""

# ASCII digits only: int() would also take "-1", "1_000", "３" and other surprises.
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_KEY_LENGTH = MAX_IDEMPOTENCY_KEY_LENGTH - len(Actor(Via.WEB).key_namespace)
ADJUSTABLE = (Bucket.AVAILABLE, Bucket.DAMAGED, Bucket.COMMITTED, Bucket.INCOMING)
FIELDS = (
    "sku",
    "quantity",
    "cost",
    "location",
    "to_location",
    "reason",
    "bucket",
    "direction",
    "key",
)
DIRECTIONS = {"add": "add to the bucket", "remove": "take away from the bucket"}


@dataclass(frozen=True)
class RecordForm:
    """One kind's form: its words, and which fields it has."""

    kind: str
    title: str
    verb: str
    """The submit button's word."""
    quantity_label: str
    hint: str
    to_location: bool = False
    signed: bool = False
    """An adjustment: a direction (add or take away) and a bucket go with the quantity,
    so that the quantity stays a plain number on a phone's number pad."""
    reason_required: bool = False
    costed: bool = False
    """A receipt: an optional unit cost, which sets the moving average cost."""

    @property
    def role(self) -> Role:
        return role_for_movement(self.kind)


FORMS: dict[str, RecordForm] = {
    form.kind: form
    for form in (
        RecordForm(
            "receive", "Receive", "Receive", "Quantity", "supplier → available", costed=True
        ),
        RecordForm("damage", "Damage", "Record damage", "Quantity", "available → damaged"),
        RecordForm(
            "count",
            "Count",
            "Record count",
            "Counted on hand",
            "the difference to what the ledger holds is recorded",
        ),
        RecordForm(
            "transfer",
            "Transfer",
            "Transfer",
            "Quantity",
            "available here → available there",
            to_location=True,
        ),
        RecordForm(
            "adjust",
            "Adjust",
            "Adjust",
            "Quantity",
            "a correction of one bucket, with a reason; managers only",
            signed=True,
            reason_required=True,
        ),
    )
}


@dataclass
class Filled:
    """A form as posted: what was typed (to show it again) and the errors by field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    force: bool = False
    """"Record it anyway" was ticked: a movement that takes a bucket below zero is kept."""
    force_offered: bool = False
    """Too little stock was refused once: the form offers "record it anyway"."""

    @classmethod
    def blank(cls, locations: Sequence[str], sku: str = "") -> Filled:
        """A new form, with a fresh idempotency key: a double submit records once."""
        # The ledger's default location first, as the CLI and API take it when none is given.
        location = DEFAULT_LOCATION if DEFAULT_LOCATION in locations else next(iter(locations), "")
        other = next((name for name in locations if name != location), location)
        return cls(
            {"sku": sku, "quantity": "", "cost": "", "location": location, "to_location": other}
            | {"reason": "", "bucket": Bucket.AVAILABLE, "direction": "add", "key": new_key()}
        )


def new_key() -> str:
    return secrets.token_urlsafe(18)


def read(form: RecordForm, posted: Mapping[str, str], locations: Sequence[str]) -> Filled:
    """What was typed, and an error per field that the form alone can see to be wrong."""
    values = {name: str(posted.get(name, "")).strip() for name in FIELDS}
    filled = Filled(values)
    errors = filled.errors
    problem = text_problem(values["sku"], "SKU", MAX_SKU_LENGTH)
    if problem or not values["sku"]:
        errors["sku"] = problem or "enter a SKU code or a barcode"
    number = values["quantity"]
    if not _WHOLE_NUMBER.fullmatch(number):
        errors["quantity"] = f"{form.quantity_label.lower()} must be a whole number"
    if form.costed and values["cost"]:
        try:
            parse_cost(values["cost"])
        except ValidationError as error:
            errors["cost"] = str(error)
    for name in ("location", "to_location") if form.to_location else ("location",):
        if values[name] not in locations:
            errors[name] = str(UnknownLocation(values[name]))
    if form.to_location and values["location"] == values["to_location"]:
        errors["to_location"] = "a transfer needs two different locations"
    problem = text_problem(values["reason"], "reason", MAX_REASON_LENGTH)
    if problem or (form.reason_required and not values["reason"]):
        errors["reason"] = problem or f"{form.kind} needs a reason"
    if form.signed and values["bucket"] not in ADJUSTABLE:
        errors["bucket"] = f"choose one of {', '.join(ADJUSTABLE)}"
    if form.signed and values["direction"] not in DIRECTIONS:
        errors["direction"] = "choose add or remove"
    problem = text_problem(values["key"], "idempotency key", _KEY_LENGTH)
    if problem or not values["key"]:
        errors[FORM] = "the form was damaged in transit: it was reset, please submit it again"
        values["key"] = new_key()
    filled.force = filled.force_offered = posted.get("force") == "on"
    return filled


def entry(form: RecordForm, filled: Filled) -> Entry:
    """The ledger entry of a form `read` found no fault in; raises InvalidMovement."""
    values, force = filled.values, filled.force
    sku, location, reason = values["sku"], values["location"], values["reason"]
    quantity = int(values["quantity"])
    if form.kind == "receive":
        cost = parse_cost(values["cost"]) if values["cost"] else None
        return receive(sku, quantity, location, reason, unit_cost=cost)
    if form.kind == "damage":
        return damage(sku, quantity, location, reason, forced=force)
    if form.kind == "transfer":
        return transfer(sku, quantity, location, values["to_location"], reason, forced=force)
    if form.kind == "adjust":
        change = quantity if values["direction"] == "add" else -quantity
        return adjust(sku, change, reason, location, Bucket(values["bucket"]), forced=force)
    return Count(sku, quantity, location, reason or "cycle count")


def place(refusal: LedgerError, filled: Filled) -> None:
    """Puts a ledger refusal beside the field it is about (the errors carry their data)."""
    errors, values = filled.errors, filled.values
    if isinstance(refusal, UnknownSku):
        errors["sku"] = str(refusal)
    elif isinstance(refusal, UnknownLocation):
        name = "to_location" if refusal.location == values["to_location"] else "location"
        errors[name] = str(refusal)
    elif isinstance(refusal, InsufficientStock):
        errors["quantity"] = (
            f"{refusal.location} holds {refusal.held} {refusal.bucket}, "
            f"not {refusal.requested}: tick “record it anyway” to record it regardless"
        )
        filled.force_offered = True
    elif isinstance(refusal, IdempotencyConflict):
        errors[FORM] = (
            "this form was already submitted with other values: it has been reset, "
            "check it and submit again"
        )
        values["key"] = new_key()
    elif isinstance(refusal, InvalidMovement):
        errors["quantity"] = str(refusal)
    else:
        errors[FORM] = str(refusal)
