"""The API docs (Swagger UI and ReDoc) with their scripts and styles served by this
service from an installed package, so they work where no CDN can be reached."""

from __future__ import annotations

from importlib.resources import files

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from order_completion.tmf.errors import error_response

ASSET_PREFIX = "/docs/assets"
# The only files served, with their media types: nothing else of the package is reachable.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


def docs_router(app: FastAPI) -> APIRouter:
    """``/docs``, ``/redoc`` and their assets, for an app built with ``docs_url=None``."""
    router = APIRouter(include_in_schema=False)
    static = files(fastapi_offline).joinpath("static")
    openapi_url = app.openapi_url or "/openapi.json"

    @router.get("/docs")
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSET_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSET_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{ASSET_PREFIX}/favicon.png",
        )

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            redoc_js_url=f"{ASSET_PREFIX}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSET_PREFIX}/favicon.png",
            with_google_fonts=False,
        )

    @router.get(ASSET_PREFIX + "/{name}")
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            return error_response(404, "Not found", f"no docs asset {name!r}")
        return Response(
            static.joinpath(name).read_bytes(),
            media_type=ASSETS[name],
            headers={"cache-control": "public, max-age=86400"},
        )

    return router
