"""Who is acting, for the audit trail: set once per request when the caller is checked, read
by the history writer, so no service signature has to carry it."""

from __future__ import annotations

from contextvars import ContextVar

ACTOR: ContextVar[str | None] = ContextVar("order_completion_actor", default=None)
