"""How an adapter says a call to a system we do not own went wrong, and whether trying
again may help: a timeout or a 503 may pass, a 400 will not."""

from __future__ import annotations


class IntegrationFailure(Exception):
    retryable: bool = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TransientFailure(IntegrationFailure):
    """The peer was down, slow or busy: another attempt later may succeed."""

    retryable = True


class PermanentFailure(IntegrationFailure):
    """The peer refused the call itself: the same call will be refused again."""

    retryable = False
