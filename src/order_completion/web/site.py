"""Puts the pages on an application: their routers, the static files, and the templates
and session keys they share."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from order_completion.settings import Settings
from order_completion.web import actions, oidc, portal, report, signin, workspace
from order_completion.web.shell import STATIC, STATIC_PATH, Pages

# The page route that takes a file, whose body may be as large as an attachment.
UPLOAD_PAGE = r"^/cases/[^/]+/evidence$"


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.state.pages = Pages(settings)
    routers = (signin, oidc, workspace, actions, report, portal)
    for router in (module.router for module in routers):
        app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="static")
