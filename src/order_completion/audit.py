"""Who is acting: every command carries an ``Actor`` so the history can say who did what."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of a command (a token's name, a signed-in user), or the
    service itself when ``name`` is None (timers, the demo)."""

    name: str | None = None
    key: str | None = None  # a stable id of the credential, where there is one
    # Where the caller came from when it is not the API itself (``customerPortal``): the
    # interactions its commands log name this channel beside the service's own.
    channel: str | None = None


SYSTEM = Actor()
