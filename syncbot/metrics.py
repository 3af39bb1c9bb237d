"""Prometheus metrics operators watch: postings, conflicts, oversells, HTTP and channel sync."""

from prometheus_client import Counter, Gauge, Histogram

POSTINGS = Counter("syncbot_postings", "Postings applied to the ledger")
IDEMPOTENT_REPLAYS = Counter(
    "syncbot_idempotent_replays", "Postings skipped because their key was already applied"
)
IDEMPOTENCY_CONFLICTS = Counter(
    "syncbot_idempotency_conflicts", "Postings refused because their key was used differently"
)
OVERSELLS = Counter("syncbot_oversells", "Postings that took available below zero")
POSTING_GROUPS = Counter(
    "syncbot_posting_groups", "Transactions that committed several waiting postings together"
)
POSTINGS_GROUPED = Counter(
    "syncbot_postings_grouped", "Postings committed in a transaction shared with others"
)
POSTING_GROUPS_REFUSED = Counter(
    "syncbot_posting_groups_refused",
    "Shared posting transactions taken back because one posting failed; each then ran alone",
)
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
WEBHOOKS_NOT_FOUND = Counter(
    "syncbot_webhooks_not_found",
    "Deliveries closed because the order or return they name could not be read back",
    ["channel", "topic"],
)
WEBHOOKS_FAILED = Counter(
    "syncbot_webhooks_failed",
    "Failed tries at processing a delivery: retried later, or final",
    ["channel", "outcome"],
)
LISTING_PUSHES = Counter(
    "syncbot_listing_pushes", "Listing changes sent to channels, by result", ["channel", "outcome"]
)
SYNC_FAILURES = Counter(
    "syncbot_sync_failures", "Channel syncs stopped by an error of the whole call", ["channel"]
)
SLACK_WRITES = Counter(
    "syncbot_slack_writes",
    "Slack writes (/damage, /count, /receive, the damage form, Undo) by outcome",
    ["command", "outcome"],
)
ALERTS = Counter(
    "syncbot_alerts",
    "Alert events by kind and outcome (posted, cooling, refused)",
    ["kind", "outcome"],
)
UNACCOUNTED_UNITS = Counter(
    "syncbot_unaccounted_units",
    "Units a channel took that no ingested order explained when a hold ran out",
    ["channel"],
)
# Refreshed from the database on every scrape, so every process reports the same numbers.
DRIFT_UNITS = Gauge(
    "syncbot_channel_drift_units",
    "Sum over listings of |channel level - what syncbot would publish|, at the last drift check",
    ["channel"],
)
DRIFTING_LISTINGS = Gauge(
    "syncbot_channel_drifting_listings", "Listings whose channel level differs", ["channel"]
)
QUARANTINED_LISTINGS = Gauge(
    "syncbot_quarantined_listings", "Listings not pushed until released", ["channel"]
)
HELD_LISTINGS = Gauge(
    "syncbot_held_listings", "Listings whose raise waits for the channel's sales", ["channel"]
)
