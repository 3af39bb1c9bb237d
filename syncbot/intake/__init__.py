"""Intake: verified webhook deliveries kept in an inbox, then turned into ledger postings."""
