"""Failures of a call to a system the service does not own, sorted by whether a retry may help.

The durable outbound queue retries a ``TransientFailure`` on its schedule and gives up at once on a
``PermanentFailure``; ``detail`` is what an operator reads on the case.
"""

from __future__ import annotations


class IntegrationFailure(Exception):
    """A call to another system failed; ``retryable`` says whether the same call may work later."""

    retryable: bool = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TransientFailure(IntegrationFailure):
    """The other side is down, slow or busy (timeouts, refused connections, 5xx, SMTP 4xx)."""

    retryable = True


class PermanentFailure(IntegrationFailure):
    """The other side refused the request itself (4xx, SMTP 5xx): sending it again cannot help."""

    retryable = False
