"""syncbot: a perpetual inventory ledger that keeps every storefront in step."""
