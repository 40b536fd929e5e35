"""Appointments of a case: booking, the enforced life cycle, rescheduling, and events of the
TMF646 hub written in the case's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from order_completion.appointments.representation import appointment_resource
from order_completion.appointments.rules import OPEN, Category, Status, allowed, path_to
from order_completion.appointments.tables import Appointment
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.errors import Conflict, InvalidInput, NotFound


def _publish(unit: CaseUnit, kind: str, row: Appointment, **extra: Any) -> None:
    unit.publish(
        f"appointment{kind}Event",
        {"appointment": appointment_resource(row, unit.base_url), **extra},
    )


def book(
    unit: CaseUnit,
    *,
    category: Category,
    step: CaseStep | None,
    start: datetime,
    end: datetime,
    description: str | None = None,
    topics: Sequence[str] = (),
    trainer: dict[str, Any] | None = None,
    attendees: Sequence[dict[str, Any]] = (),
    **details: Any,
) -> Appointment:
    """A new appointment, ``initialized``, linked to the case and its customer."""
    if end <= start:
        raise InvalidInput("endDateTime must be after startDateTime", field="validFor")
    customer = {
        "id": unit.case.customer_id,
        "name": unit.case.customer_name,
        "role": "customer",
        "@referredType": "Customer",
    }
    row = Appointment(
        id=str(uuid.uuid4()),
        case_id=unit.case.id,
        step_id=step.id if step else None,
        category=category.value,
        status=Status.INITIALIZED.value,
        start=start,
        end=end,
        description=description,
        external_id=details.get("external_id"),
        related_place=details.get("related_place"),
        related_party=[customer, *details.get("related_party", [])],
        contact_medium=details.get("contact_medium", []),
        note=details.get("note", []),
        attachment=details.get("attachment", []),
        calendar_event=details.get("calendar_event"),
        topics=list(topics),
        trainer=trainer,
        attendees=list(attendees),
        attended=[],
        feedback_score=None,
        creation_date=unit.now,
        last_update=unit.now,
    )
    unit.session.add(row)
    _publish(unit, "Create", row)
    return row


async def get(unit: CaseUnit | None, session: Any, appointment_id: str) -> Appointment:
    row = await session.get(Appointment, appointment_id)
    if row is None or (unit is not None and row.case_id != unit.case.id):
        raise NotFound(f"no appointment {appointment_id}")
    assert isinstance(row, Appointment)
    return row


def move_to(unit: CaseUnit, row: Appointment, requested: Status, *, implicit: bool = False) -> None:
    """Change the status along the life cycle; with ``implicit``, pass through
    ``confirmed`` when an outcome is reported for an unconfirmed appointment."""
    current = Status(row.status)
    steps = (
        path_to(current, requested)
        if implicit
        else ([requested] if allowed(current, requested) else [])
    )
    if not steps:
        raise Conflict(f"an appointment that is {current} cannot become {requested}")
    for status in steps:
        previous = row.status
        row.status = status.value
        row.last_update = unit.now
        _publish(unit, "StateChange", row, previousStatus=previous)


def reschedule(unit: CaseUnit, row: Appointment, start: datetime, end: datetime) -> None:
    if Status(row.status) not in OPEN:
        raise Conflict(f"a {row.status} appointment cannot be moved")
    if end <= start:
        raise InvalidInput("endDateTime must be after startDateTime", field="validFor")
    row.start, row.end, row.last_update = start, end, unit.now


def changed(unit: CaseUnit, row: Appointment, field_path: str) -> None:
    row.last_update = unit.now
    _publish(unit, "AttributeValueChange", row, fieldPath=field_path)


async def for_step(
    unit: CaseUnit, step: CaseStep, *, statuses: Sequence[Status] = ()
) -> list[Appointment]:
    statement = select(Appointment).where(Appointment.step_id == step.id)
    if statuses:
        statement = statement.where(Appointment.status.in_([s.value for s in statuses]))
    rows = await unit.session.scalars(statement.order_by(Appointment.start))
    return list(rows)


async def settle_commissioning(unit: CaseUnit, step: CaseStep, passed: bool) -> None:
    """A reported test result completes (or fails) the visit that was booked for it."""
    booked = await for_step(unit, step, statuses=tuple(OPEN))
    if booked:
        move_to(unit, booked[0], Status.COMPLETED if passed else Status.FAILED, implicit=True)
