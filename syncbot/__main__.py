"""`python -m syncbot` is the `syncbot` command (for a tree on PYTHONPATH, not installed)."""

from syncbot.cli.main import main

main()
