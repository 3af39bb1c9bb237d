"""Prometheus counters for what operators watch: postings, replays, conflicts and oversells."""

from prometheus_client import Counter

POSTINGS = Counter("syncbot_postings", "Postings applied to the ledger")
IDEMPOTENT_REPLAYS = Counter(
    "syncbot_idempotent_replays", "Postings skipped because their key was already applied"
)
IDEMPOTENCY_CONFLICTS = Counter(
    "syncbot_idempotency_conflicts", "Postings refused because their key was used differently"
)
OVERSELLS = Counter("syncbot_oversells", "Postings that took available below zero")
