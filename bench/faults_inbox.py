"""Where each inbox delivery stands, read from the database by its `status` column.

applied and ignored count as applied (a topic syncbot does not read is handled); failed,
not_found and skipped as final, each with its reason; pending as pending.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from faults_service import Database

APPLIED = frozenset({"applied", "ignored"})
FINAL = frozenset({"failed", "not_found", "skipped"})
PENDING = frozenset({"pending"})


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
    rows = await database.rows(
        "SELECT id, event_id, status, attempts, last_error FROM inbox_delivery ORDER BY id"
    )
    inbox = Inbox([])
    for row in rows:
        status = str(row["status"])
        if status in APPLIED:
            state = "applied"
        elif status in FINAL:
            state = "final"
        else:
            # Reported rather than guessed, so a new status never flatters the figures.
            if status not in PENDING:
                inbox.unknown_statuses[status] += 1
            state = "pending"
        reason = str(row["last_error"] or "")
        inbox.rows.append(Row(int(row["id"]), str(row["event_id"]), state, row["attempts"], reason))
    return inbox
