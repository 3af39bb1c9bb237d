"""Sync: what each channel lists, and (next) the sellable quantities pushed to it."""
