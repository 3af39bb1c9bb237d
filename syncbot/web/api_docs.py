"""`/docs` (Swagger UI) and `/redoc`, served with their scripts and styles from the
package, so they work without the internet, as the console does.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and ReDoc's fonts from Google).
The files here come from the `fastapi-offline` distribution, which ships the builds of
both; only its files are used. `/openapi.json` is FastAPI's, unchanged.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"


def serve_api_docs(app: FastAPI) -> None:
    """Adds /docs, /redoc and their files; the app must be made with docs_url=None and
    redoc_url=None, so that FastAPI does not add its CDN pages first."""
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("make the app with docs_url=None, redoc_url=None: CDN pages are on")
    files = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(files)), name="docs-assets")
    title, spec = app.title, app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=spec,
            title=f"{title} - API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            # No badge from swagger.io's online validator: nothing leaves this host.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=spec,
            title=f"{title} - API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
