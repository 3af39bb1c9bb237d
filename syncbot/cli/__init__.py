"""The command line: one module per command group, plus the tables they print."""
