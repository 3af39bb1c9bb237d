"""Command-line tests: `syncbot ...` run in-process against SQLite and PostgreSQL."""
