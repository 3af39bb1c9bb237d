"""Where each inbox delivery stands, read from the database under either inbox schema.

- Old: `processed_at` set means applied (closed with an error kept: final); `attempts` at
  the cap means given up (final).
- New: a `status` column says it; its values are matched by meaning below, and any value
  not recognised is reported rather than guessed, so the figures stay honest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from faults_service import Database

APPLIED = frozenset({"processed", "applied", "done", "ok", "succeeded", "success"})
FINAL = frozenset(
    {"final", "failed", "dead", "skipped", "given_up", "abandoned", "closed", "rejected", "poison"}
)
PENDING = frozenset({"pending", "waiting", "retry", "retrying", "claimed", "processing", "new"})
REASON_COLUMNS = ("last_error", "error", "reason", "skip_reason", "skipped_reason")


def max_attempts() -> int:
    try:
        from syncbot.intake.inbox import MAX_ATTEMPTS
    except ImportError:
        return 5
    return int(MAX_ATTEMPTS)


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    event_id: str
    state: str
    """applied, final or pending."""
    attempts: int
    reason: str


@dataclass
class Inbox:
    rows: list[Row]
    unknown_statuses: Counter[str] = field(default_factory=Counter)

    def by_event(self) -> dict[str, Row]:
        return {row.event_id: row for row in self.rows}

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)


async def read_inbox(database: Database) -> Inbox:
    columns = await database.columns("inbox_delivery")
    known = ("id", "event_id", "processed_at", "attempts", "status", *REASON_COLUMNS)
    wanted = [name for name in known if name in columns]
    rows = await database.rows(f"SELECT {', '.join(wanted)} FROM inbox_delivery ORDER BY id")
    cap = max_attempts()
    inbox = Inbox([])
    for row in rows:
        state = _state(row, cap, inbox.unknown_statuses)
        reason = next((str(row[name]) for name in REASON_COLUMNS if row.get(name)), "")
        attempts = int(row.get("attempts") or 0)
        inbox.rows.append(Row(int(row["id"]), str(row["event_id"]), state, attempts, reason))
    return inbox


def _state(row: dict[str, Any], cap: int, unknown: Counter[str]) -> str:
    if "status" in row and row["status"] is not None:
        status = str(row["status"]).lower()
        if status in APPLIED:
            return "applied"
        if status in FINAL:
            return "final"
        if status not in PENDING:
            unknown[status] += 1
        return "pending"
    if row.get("processed_at") is not None:
        # Processing clears the error; one kept on a closed row says it was closed unapplied.
        return "final" if any(row.get(name) for name in REASON_COLUMNS) else "applied"
    if int(row.get("attempts") or 0) >= cap:
        return "final"
    return "pending"
