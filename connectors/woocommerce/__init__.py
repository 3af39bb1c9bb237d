"""WooCommerce (REST API v3): webhooks, catch-up, listings and stock levels for one store."""
