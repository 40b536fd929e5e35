"""What every page shares: the layout's templates and static files, the session each
visitor carries in a signed cookie, the form token every POST must send back, and answers
in HTML (a refused page is a page, not a JSON error).

Pages of other features (the customer portal, the reports) build on it: a router made with
``page_router()`` renders ``base.html`` layouts through ``Pages.render``, takes its visitor
with ``VisitDep`` (or ``StaffDep`` for signed-in staff) and its forms with ``posted_form``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from order_completion.attachments.store import AttachmentStore
from order_completion.auth.ended import SessionEnds
from order_completion.auth.rules import Permission, known_roles
from order_completion.auth.service import Principal
from order_completion.auth.sessions import (
    SESSION_COOKIE,
    SessionSigner,
    StaffSession,
    new_token,
    same_token,
)
from order_completion.auth.staff import STAFF_KIND, StaffCommands
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import InvalidInput, ServiceError
from order_completion.events.sealing import key_file_text, parse_keys
from order_completion.policies.service import PolicyBook
from order_completion.portal.signing import LinkSigner
from order_completion.settings import Settings
from order_completion.tmf.counting import RowCounter
from order_completion.tmf.errors import field_path
from order_completion.tmf.text_guard import nul_in

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
STATIC_PATH = "/static"
SIGN_IN = "/signin"
SESSION_PURPOSE = b"order-completion staff session"
OIDC_KIND = "oidc"
R = TypeVar("R", bound=Response)
M = TypeVar("M", bound=BaseModel)

# Pages load their scripts and styles from this site only, and no other site frames them.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class PageServices(Protocol):
    """What the pages use of the application's services."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def base_url(self) -> str: ...

    @property
    def counts(self) -> RowCounter: ...

    @property
    def policies(self) -> PolicyBook: ...

    @property
    def attachments(self) -> AttachmentStore: ...

    @property
    def portal_signer(self) -> LinkSigner: ...

    @property
    def portal_url(self) -> str: ...

    @property
    def portal_link_days(self) -> int: ...

    def uow(self) -> UnitOfWork: ...


class SignInNeeded(Exception):
    """Nobody is signed in (or their session ended): the page sends them to sign in."""


class FormRefused(Exception):
    """A POST without the session's form token: refused with 403, nothing done."""


@dataclass
class Visit:
    """One request's visitor: their session, who they are when signed in, and whether the
    session is new or changed (its cookie is then sent with the answer)."""

    request: Request
    session: StaffSession
    staff: Principal | None
    changed: bool = False
    services: PageServices = field(init=False)

    def __post_init__(self) -> None:
        self.services = self.request.app.state.services

    @property
    def permissions(self) -> frozenset[Permission]:
        return self.staff.permissions if self.staff else frozenset()

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, *needed: Permission) -> Principal:
        """The signed-in person, refused with 403 unless they hold one of ``needed`` (the
        same check the API makes; a button hidden from them is no permission)."""
        if self.staff is None:
            raise SignInNeeded
        self.staff.require(*needed)
        return self.staff

    def become(self, session: StaffSession, staff: Principal | None) -> None:
        self.session, self.staff, self.changed = session, staff, True


class Pages:
    """The templates and the session signer of one application."""

    def __init__(self, settings: Settings) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = when
        keys = server_keys(settings)
        self.keys = keys
        self.signer = SessionSigner(keys, timedelta(hours=settings.session_hours))
        self.https = settings.public_url.startswith("https://")
        self.oidc = bool(settings.oidc_issuer)
        self.refresh_seconds = settings.workspace_refresh_seconds

    def render(
        self, visit: Visit, template: str, context: Mapping[str, Any], *, status: int = 200
    ) -> HTMLResponse:
        page = self.env.get_template(template).render(
            visit=visit, csrf=visit.session.csrf, Permission=Permission, **context
        )
        return self.finish(visit, HTMLResponse(page, status_code=status))

    def redirect(self, visit: Visit, to: str) -> RedirectResponse:
        """See Other: after a POST the browser GETs ``to``, so a reload never posts twice."""
        return self.finish(visit, RedirectResponse(to, status_code=303))

    def finish(self, visit: Visit, response: R) -> R:
        response.headers.update(PAGE_HEADERS)
        if visit.changed:
            self.set_session(visit.request, response, visit.session)
        return response

    def set_session(self, request: Request, response: Response, session: StaffSession) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.signer.dump(session),
            max_age=int(self.signer.lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.https or request.url.scheme == "https",
        )


def server_keys(settings: Settings) -> list[bytes]:
    """The keys of these settings' session cookies (``session_keys``), the first also the
    server secret that keys the sign-in counters (the CLI's ``user unlock`` finds them
    with it)."""
    configured = settings.session_key.get_secret_value() if settings.session_key else ""
    return session_keys(configured, settings.secret_keys, settings.secret_key_file)


def session_keys(session_keys: str, secret_keys: str, key_file: Path) -> list[bytes]:
    """The session cookies' signing keys, first the one that signs:
    ``ORDER_COMPLETION_SESSION_KEY`` (comma-separated), else one derived from each key that
    seals hub secrets (reading or generating the key file), hashed with the sessions' label
    so that a cookie never reveals or reuses a sealing key."""
    configured = [part.strip().encode() for part in session_keys.split(",") if part.strip()]
    if configured:
        return configured
    sealing = parse_keys(secret_keys) or parse_keys(key_file_text(key_file))
    return [hmac.new(key, SESSION_PURPOSE, hashlib.sha256).digest() for key in sealing]


def when(value: datetime | str | None) -> str:
    """A moment as pages show it: to the minute, in UTC, saying so."""
    if value is None or value == "":
        return "\u2013"  # an en dash: no date
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


async def _staff_of(services: PageServices, session: StaffSession) -> Principal | None:
    """Who the session names, as they are now: nobody once it signed out; a password user
    is looked up (removed: nobody, and so is another user added later under the same name;
    a new role applies at once); an OIDC user holds what the provider said."""
    if session.name is None:
        return None
    if await SessionEnds(services.db, services.clock).ended(session.id):
        return None
    if session.kind == STAFF_KIND:
        found = await StaffCommands(services.db, services.clock).find(session.name)
        return found if found is not None and found.key == session.key else None
    if session.kind == OIDC_KIND:
        return Principal(
            session.name, frozenset(known_roles(session.roles)), OIDC_KIND, session.key
        )
    return None


async def current_visit(request: Request) -> Visit:
    """The visitor, with a new session (a form token, nobody signed in) when they bring
    no valid one."""
    pages = pages_of(request)
    session = pages.signer.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return Visit(request, StaffSession(csrf=new_token()), None, changed=True)
    visit = Visit(request, session, None)
    visit.staff = await _staff_of(visit.services, session)
    if session.signed_in and visit.staff is None:
        visit.become(session.signed_out(), None)
    return visit


VisitDep = Annotated[Visit, Depends(current_visit)]


async def signed_in(visit: VisitDep) -> Visit:
    if visit.staff is None:
        raise SignInNeeded
    return visit


StaffDep = Annotated[Visit, Depends(signed_in)]


async def posted_form(visit: Visit) -> FormData:
    """The form a POST sent, once its token is the session's; ``FormRefused`` otherwise."""
    form = await visit.request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not same_token(token, visit.session.csrf):
        await form.close()
        raise FormRefused
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def validated_form(model: type[M], data: dict[str, Any]) -> M:
    """A form's values as the JSON body the API takes; 400 naming the first wrong field,
    as the API names it, when they are not one. A NUL character is refused here too: the
    API's text check never sees a form, and no database keeps one (PostgreSQL refuses it)."""
    nul = nul_in(data)
    if nul is not None:
        raise InvalidInput("must not contain a NUL character", field=nul)
    try:
        return model.model_validate(data)
    except ValidationError as wrong:
        raise invalid_input(wrong) from None


def invalid_input(wrong: ValidationError) -> InvalidInput:
    """A validation failure as the 400 a page shows: its first problem and the field."""
    problem = wrong.errors()[0]
    message = str(problem["msg"]).removeprefix("Value error, ")
    return InvalidInput(message, field=field_path(problem["loc"]) or "form")


class PageRoute(APIRoute):
    """A page route: a service error it does not handle itself is an HTML page with the
    error's status and message (the API answers the same errors in JSON), and so is a
    request body that a form's values failed to make."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except SignInNeeded:
                return sign_in_redirect(request)
            except FormRefused:
                return await refused_form(request)
            except ServiceError as error:
                response = await error_page(request, error.status, error.message)
                response.headers.update(error.headers)
                return response
            except ValidationError as wrong:  # a body built from a form: refused as a page
                refused = invalid_input(wrong)
                message = f"{refused.field}: {refused.message}"
                return await error_page(request, refused.status, message)

        return answer


def page_router() -> APIRouter:
    """A router for pages: HTML errors, and nothing in the OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/workspace"
    response = RedirectResponse(f"{SIGN_IN}?next={quote(target, safe='/')}", status_code=303)
    response.headers.update(PAGE_HEADERS)
    return response


async def error_page(request: Request, status: int, message: str) -> Response:
    visit = await current_visit(request)
    context = {"status": status, "message": message}
    return pages_of(request).render(visit, "error.html", context, status=status)


async def refused_form(request: Request) -> Response:
    message = (
        "This form did not come from a page of this site, or your session changed since it "
        "was shown. Nothing was done. Go back, reload the page and try again."
    )
    return await error_page(request, 403, message)
