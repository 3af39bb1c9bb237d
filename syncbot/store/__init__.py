"""The store: the Tortoise models and every ORM call in syncbot.

The one posting path (`posting`, `balance_rows`), orders and their parked lines, the
catalogue, listings and pushes, channel health and cursors, the outbox, the inbox, and the
read models the adapters show (`stock`, `reports`, `status`). Code above it calls these
functions and imports neither the models nor Tortoise.
"""
