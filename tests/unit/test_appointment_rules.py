"""The appointment rules that decide what may be booked, which parties a case's appointment
keeps, and how a calendar sees each status; and the invitation a moved appointment calls for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from order_completion.appointments import rules
from order_completion.appointments.rules import Problem, Status
from order_completion.cases.events import HistoryAction, Recorded
from order_completion.communications.triggers import wanted_message
from order_completion.integrations.messages.model import MessageKind

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("category", "for_case", "field"),
    [
        ("commissioning", True, None),
        ("training", True, None),
        ("survey", True, "category"),
        (None, True, "category"),
        ("commissioning", False, "relatedEntity"),
        ("training", False, "relatedEntity"),
        ("site visit", False, None),
        (None, False, None),
    ],
)
def test_our_categories_are_for_a_case_and_a_case_has_only_ours(
    category: str | None, for_case: bool, field: str | None
) -> None:
    problem = rules.booking_problem(category, for_case=for_case)
    assert (problem.field if problem else None) == field


def test_training_attributes_are_refused_on_other_appointments() -> None:
    assert rules.training_attributes_problem("training", ["topic", "trainer"]) is None
    assert rules.training_attributes_problem("commissioning", []) is None
    problem = rules.training_attributes_problem(None, ["trainer"])
    message = "topic, trainer and attendee are for training appointments"
    assert problem == Problem("trainer", message)


def test_a_case_appointment_keeps_its_customer_first() -> None:
    customer = {"id": "C-1", "role": "customer"}
    sent = [{"id": "X", "role": "Customer"}, {"id": "E-9", "role": "engineer"}]
    assert rules.case_parties([customer], sent) == [customer, {"id": "E-9", "role": "engineer"}]


def test_every_status_has_a_calendar_status_and_the_ended_badly_are_withdrawn() -> None:
    assert set(rules.CALENDAR_STATUS) == set(Status)
    assert {Status.CANCELLED, Status.FAILED} == rules.WITHDRAWN
    assert {rules.CALENDAR_STATUS[status] for status in rules.WITHDRAWN} == {"CANCELLED"}


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("commissioning", MessageKind.COMMISSIONING_INVITATION),
        ("training", MessageKind.TRAINING_INVITATION),
    ],
)
def test_a_moved_appointment_is_sent_again_once_per_version(
    category: str, kind: MessageKind
) -> None:
    def moved(sequence: int) -> Recorded:
        detail = {"appointmentId": "A-1", "category": category, "sequence": sequence}
        return Recorded(HistoryAction.APPOINTMENT_RESCHEDULED, AT, detail=detail)

    first, second = wanted_message(moved(1)), wanted_message(moved(2))
    assert first is not None
    assert second is not None
    assert first.kind is kind
    assert first.facts == {"appointmentId": "A-1", "change": "updated"}
    assert first.key != second.key
