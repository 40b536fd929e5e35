"""Every accepted case owes its certificate: rendered by the worker after the commit, so
accepting stays fast, and its hash then recorded on the case."""

from __future__ import annotations

from order_completion.cases.events import CaseEventRaised, CaseEventType, DomainEvent
from order_completion.cases.rules import Milestone
from order_completion.cases.unit_of_work import Projection
from order_completion.outbound.rules import CallKind


class CertificateProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        if (
            isinstance(event, CaseEventRaised)
            and event.type is CaseEventType.MILESTONE
            and event.extra.get("milestone", {}).get("name") == Milestone.CUSTOMER_ACCEPTED.value
        ):
            # One per acceptance: a case accepted again after a reopening is issued again.
            accepted = event.extra["milestone"]["date"]
            kind = CallKind.CERTIFICATE
            projection.owe(kind, f"{kind.value}:{accepted}", {})
