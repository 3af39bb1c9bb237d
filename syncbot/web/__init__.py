"""The HTTP adapters: the ASGI app factory, the JSON API routers, webhooks, errors, middleware."""
