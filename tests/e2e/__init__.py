"""End-to-end tests: the real `syncbot serve` process, driven over HTTP."""
