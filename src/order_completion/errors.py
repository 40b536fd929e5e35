"""The error hierarchy of the service; each maps to one TMF error body and HTTP status.

ServiceError
├── InvalidInput        400  a field is missing or malformed (names the field)
├── Unauthenticated     401  no token, or one that is unknown, revoked or expired
├── Forbidden           403  the caller's role may not do this
├── NotFound            404  an unknown id
├── Conflict            409  the resource is not in a state that allows the request
├── UnsupportedMedia    415  a body type we do not speak
└── TooManyRequests     429  too many tries: refused for ``retry_after`` seconds

An error may carry response headers of its own (``headers``): whoever answers it, the API's
JSON or a page, sends them.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """Base of every error the API turns into a TMF ``Error`` body."""

    status = 500
    code = "1"
    reason = "Internal error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def headers(self) -> Mapping[str, str]:
        """Headers every answer of this error carries, in JSON or as a page."""
        return {}


class InvalidInput(ServiceError):
    status = 400
    code = "21"
    reason = "Invalid input"


class Unauthenticated(ServiceError):
    status = 401
    code = "41"
    reason = "Unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "50"
    reason = "Forbidden"


class NotFound(ServiceError):
    status = 404
    code = "60"
    reason = "Not found"


class Conflict(ServiceError):
    status = 409
    code = "70"
    reason = "Conflict"


class UnsupportedMedia(ServiceError):
    status = 415
    code = "71"
    reason = "Unsupported media type"


class TooManyRequests(ServiceError):
    status = 429
    code = "72"
    reason = "Too many requests"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, retry_after)

    @property
    def headers(self) -> Mapping[str, str]:
        """``Retry-After`` in whole seconds (RFC 9110), so a client knows when to retry."""
        return {"Retry-After": str(self.retry_after)}
