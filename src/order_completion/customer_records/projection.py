"""People met after the customer update (a training attendee, a later witness) still reach
the customer record: each one learned once the update has completed owes TMF629 a call of
its own."""

from __future__ import annotations

from order_completion.cases.events import ContactLearned, DomainEvent
from order_completion.cases.rules import StepKind, StepState
from order_completion.cases.unit_of_work import Projection
from order_completion.customer_records.calls import purpose_of
from order_completion.outbound.rules import CallKind


class LateContactProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        if not isinstance(event, ContactLearned):
            return
        case = projection.case
        update = case.step_of_kind(StepKind.CUSTOMER_UPDATE)
        if update is None or update.state is not StepState.COMPLETED:
            return  # the update itself will carry it
        contact = event.contact
        who = str(contact.get("email") or contact.get("name") or "").casefold()[:200]
        payload = {"customerId": case.customer_id, "contacts": [contact]}
        projection.owe(CallKind.CUSTOMER, purpose_of(CallKind.CUSTOMER, who), payload)
