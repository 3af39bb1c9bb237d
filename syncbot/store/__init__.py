"""The store: Tortoise models, database set-up and the one path that posts movements."""
