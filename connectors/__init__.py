"""Storefront connectors, one module per storefront behind one small interface."""
