"""API keys, stored only as a hash of the token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, UTCDateTime


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a request last came with it (to the minute: see ``Authenticator``), so an
    # operator can tell a key in use from a forgotten one before revoking it (0016).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffUser(Base):
    """A person who signs in to the web workspace with a password; only an Argon2id hash
    of the password is kept (0023)."""

    __tablename__ = "staff_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """The failed password sign-ins of one name or one client address, counted in the
    database so every API process and a restart see the same count (0026). The key is a
    digest of what is counted (``rules.counter_key``), never the typed name itself."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_since", "since"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    counted: Mapped[str] = mapped_column(String(10))  # rules.Counted: name or address
    failures: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime)  # the window's first failure
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EndedSession(Base):
    """A web session that signed out (0027). Sessions live in signed cookies, so a copy of
    one would otherwise hold until it expires; its id is refused until ``expires_at``, when
    every cookie of it has expired anyway and the row can go."""

    __tablename__ = "ended_session"
    __table_args__ = (Index("ix_ended_session_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
