"""Signing in with a name and a password, and signing out."""

from __future__ import annotations

from fastapi import Request, Response

from order_completion.auth.ended import EndSession, SessionEnds
from order_completion.auth.rules import counter_secret
from order_completion.auth.staff import STAFF_KIND, StaffCommands
from order_completion.errors import TooManyRequests, Unauthenticated
from order_completion.web import rules
from order_completion.web.shell import (
    SIGN_IN,
    StaffDep,
    VisitDep,
    page_router,
    pages_of,
    posted_form,
    text,
)

router = page_router()


@router.get("/")
async def home(visit: VisitDep) -> Response:
    """The site's root leads to the workspace (which asks for a sign-in first)."""
    return pages_of(visit.request).redirect(visit, rules.HOME)


@router.get(SIGN_IN)
async def sign_in_page(visit: VisitDep, next: str | None = None) -> Response:
    pages = pages_of(visit.request)
    if visit.staff is not None:
        return pages.redirect(visit, rules.safe_next(next))
    return pages.render(visit, "signin.html", _context(visit.request, next))


def _context(request: Request, next: str | None, **extra: object) -> dict[str, object]:
    return {"next": rules.safe_next(next), "oidc": pages_of(request).oidc, **extra}


@router.post(SIGN_IN)
async def sign_in(visit: VisitDep) -> Response:
    """Sign in; a refusal says only that the name or the password is wrong (401), or that
    too many sign-ins failed and when to try again (429, with the error's ``Retry-After``), with the
    name kept in its field and the password not. Failures are counted per name and per
    client address (``request.client``: behind a proxy, run uvicorn so that it sets the
    client from the proxy's forwarded header)."""
    pages = pages_of(visit.request)
    form = await posted_form(visit)
    name, password = text(form, "name"), form.get("password")
    staff = StaffCommands(visit.services.db, visit.services.clock)
    client = visit.request.client
    try:
        if not name or not isinstance(password, str) or not password:
            raise Unauthenticated("enter your name and your password")
        address = client.host if client else None
        secret = counter_secret(pages.keys[0])  # the sessions' key: a server secret
        person = await staff.sign_in(name, password, address, counter_secret=secret)
    except (Unauthenticated, TooManyRequests) as refused:
        context = _context(visit.request, text(form, "next"), error=refused.message, name=name)
        page = pages.render(visit, "signin.html", context, status=refused.status)
        page.headers.update(refused.headers)
        return page
    visit.become(visit.session.signed_in_as(person.name, STAFF_KIND, person.key), person)
    return pages.redirect(visit, rules.safe_next(text(form, "next")))


@router.post("/signout")
async def sign_out(visit: StaffDep) -> Response:
    """Sign out, ending the session on the server too: a copy of its cookie (another tab,
    another device, a stolen one) is no session from now on."""
    pages = pages_of(visit.request)
    await posted_form(visit)
    ending = EndSession(visit.session.id, pages.signer.lifetime)
    await SessionEnds(visit.services.db, visit.services.clock).end(ending)
    visit.become(visit.session.signed_out(), None)
    return pages.redirect(visit, SIGN_IN)
