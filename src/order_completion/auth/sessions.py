"""Signed session cookies for the web pages, and the token every form of a session sends
back (CSRF).

A session lives in its cookie, signed with ``itsdangerous`` and refused once older than its
lifetime. It holds who signed in (or nobody yet: a visitor gets a session for the token of
the sign-in form), a random token and a random id; a form POST is taken only when its token
is the session's, which a page of another site cannot read. The server keeps only the ids
of sessions that signed out (``auth.ended``), so that a copy of a signed-out cookie is no
session either.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "oc_session"
SALT = "staff-session"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class StaffSession:
    """What a session cookie holds. ``name`` is None until someone signs in; ``id`` names
    this session alone (a new one at every sign-in and sign-out), for ending it."""

    csrf: str
    name: str | None = None
    kind: str = ""  # staff (a password) or oidc
    roles: tuple[str, ...] = ()  # for oidc sessions: the roles the provider gave
    key: str = ""  # the stable id of who signed in (Principal.key)
    id: str = field(default_factory=new_session_id)

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    def signed_out(self) -> StaffSession:
        """The same visitor, nobody signed in, with a fresh form token."""
        return StaffSession(csrf=new_token())

    def signed_in_as(
        self, name: str, kind: str, key: str, roles: tuple[str, ...] = ()
    ) -> StaffSession:
        """A new session for who signed in; the form token changes with it, so a token
        seen before the sign-in is worth nothing after, and so does the id: the visitor's
        session before the sign-in is not the one that ends at the sign-out."""
        return replace(
            self, csrf=new_token(), name=name, kind=kind, key=key, roles=roles, id=new_session_id()
        )


def same_token(sent: str | None, expected: str) -> bool:
    """Whether a form sent the session's token (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


class SessionSigner:
    """Writes sessions into cookie values and reads them back, refusing altered, foreign
    or expired ones."""

    def __init__(self, keys: list[bytes], lifetime: timedelta) -> None:
        if not keys:
            raise ValueError("sessions need at least one signing key")
        # itsdangerous signs with the last key of the list and checks with every one.
        self._serializer = URLSafeTimedSerializer(list(reversed(keys)), salt=SALT)
        self.lifetime = lifetime

    def dump(self, session: StaffSession) -> str:
        return str(
            self._serializer.dumps(
                [
                    session.csrf,
                    session.name,
                    session.kind,
                    list(session.roles),
                    session.key,
                    session.id,
                ]
            )
        )

    def load(self, value: str | None) -> StaffSession | None:
        """The session of a genuine, unexpired cookie; None for anything else (a cookie
        from before sessions had ids included: its holder signs in again)."""
        if not value:
            return None
        try:
            payload = self._serializer.loads(value, max_age=int(self.lifetime.total_seconds()))
        except BadSignature:  # also an expired signature
            return None
        match payload:
            case [str(csrf), str() | None as name, str(kind), list(roles), str(key), str(id)] if id:
                return StaffSession(csrf, name, kind, tuple(str(role) for role in roles), key, id)
        return None
