"""Prometheus metrics operators watch: postings, replays, conflicts, oversells and HTTP."""

from prometheus_client import Counter, Histogram

POSTINGS = Counter("syncbot_postings", "Postings applied to the ledger")
IDEMPOTENT_REPLAYS = Counter(
    "syncbot_idempotent_replays", "Postings skipped because their key was already applied"
)
IDEMPOTENCY_CONFLICTS = Counter(
    "syncbot_idempotency_conflicts", "Postings refused because their key was used differently"
)
OVERSELLS = Counter("syncbot_oversells", "Postings that took available below zero")
HTTP_REQUESTS = Counter(
    "syncbot_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "syncbot_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"]
)
WEBHOOKS_RECEIVED = Counter(
    "syncbot_webhooks_received", "Verified webhook deliveries", ["channel", "outcome"]
)
WEBHOOKS_PROCESSED = Counter(
    "syncbot_webhooks_processed", "Deliveries turned into postings", ["channel", "topic"]
)
WEBHOOKS_IGNORED = Counter(
    "syncbot_webhooks_ignored", "Deliveries of topics syncbot does not handle", ["channel", "topic"]
)
