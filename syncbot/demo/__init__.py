"""`syncbot demo`: syncbot on SQLite with two emulated storefronts and simulated customers,
in one command (docs/demo.md)."""
