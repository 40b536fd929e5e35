"""Appointments: booking, the enforced life cycle, rescheduling, and events of the TMF646
hub, inside the caller's unit of work.

The commissioning and training features book and settle a case's appointments through these
functions, the events written in the case's event order; the TMF646 façade
(``appointment_api``) reaches them through those features. An appointment of no case (a plain
TMF646 appointment) follows the same life cycle; its events go to the outbox directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.appointments.representation import appointment_resource
from order_completion.appointments.rules import (
    OPEN,
    Category,
    Status,
    allowed,
    case_parties,
    is_customer,
    path_to,
)
from order_completion.appointments.tables import Appointment
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.events import outbox

# TMF646 attribute → column, for the details an appointment keeps as it was sent (or
# patched); the lists among them are emptied, never null, when a patch clears them.
DETAIL_COLUMNS = {
    "description": "description",
    "externalId": "external_id",
    "relatedParty": "related_party",
    "relatedEntity": "related_entity",
    "relatedPlace": "related_place",
    "contactMedium": "contact_medium",
    "note": "note",
    "attachment": "attachment",
    "calendarEvent": "calendar_event",
}
LIST_COLUMNS = frozenset({"related_party", "contact_medium", "note", "attachment"})


class Owner(Protocol):
    """Whom an appointment's change belongs to: its case, or ``NoCase``."""

    @property
    def now(self) -> datetime: ...

    def publish(self, event_type: str, body: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class NoCase:
    """The owner of a plain appointment: the time of the change, and the outbox for its
    events (no case orders them)."""

    session: AsyncSession
    now: datetime

    def publish(self, event_type: str, body: dict[str, Any]) -> None:
        outbox.record(self.session, event_type=event_type, now=self.now, body=body)


def _publish(owner: Owner, kind: str, row: Appointment, base_url: str, **extra: Any) -> None:
    owner.publish(
        f"appointment{kind}Event",
        {"appointment": appointment_resource(row, base_url), **extra},
    )


def book(
    session: AsyncSession,
    case: CompletionCase,
    *,
    category: Category,
    step: Step | None,
    start: datetime,
    end: datetime,
    base_url: str,
    description: str | None = None,
    topics: Sequence[str] = (),
    trainer: dict[str, Any] | None = None,
    attendees: Sequence[dict[str, Any]] = (),
    **details: Any,
) -> Appointment:
    """A new appointment, ``initialized``, linked to the case and its customer."""
    customer = {
        "id": case.customer_id,
        "name": case.customer_name,
        "role": "customer",
        "@referredType": "Customer",
    }
    row = _new(
        case,
        case_id=case.id,
        step_id=step.id if step else None,
        category=category.value,
        start=start,
        end=end,
        description=description,
        topics=topics,
        trainer=trainer,
        attendees=attendees,
        details={**details, "related_party": [customer, *details.get("related_party", [])]},
    )
    session.add(row)
    _publish(case, "Create", row, base_url)
    return row


def make_plain(
    owner: NoCase,
    *,
    category: str | None,
    start: datetime,
    end: datetime | None,
    base_url: str,
    description: str | None = None,
    **details: Any,
) -> Appointment:
    """A new appointment of no case, ``initialized``, its attributes as sent; TMF646 lets
    its period have only a start."""
    row = _new(
        owner,
        case_id=None,
        step_id=None,
        category=category,
        start=start,
        end=end,
        description=description,
        details=details,
    )
    owner.session.add(row)
    _publish(owner, "Create", row, base_url)
    return row


def _new(
    owner: Owner,
    *,
    case_id: str | None,
    step_id: str | None,
    category: str | None,
    start: datetime,
    end: datetime | None,
    description: str | None,
    details: dict[str, Any],
    topics: Sequence[str] = (),
    trainer: dict[str, Any] | None = None,
    attendees: Sequence[dict[str, Any]] = (),
) -> Appointment:
    _check_period(start, end)
    return Appointment(
        id=str(uuid.uuid4()),
        case_id=case_id,
        step_id=step_id,
        category=category,
        status=Status.INITIALIZED.value,
        start=start,
        end=end,
        description=description,
        external_id=details.get("external_id"),
        related_entity=details.get("related_entity"),
        related_place=details.get("related_place"),
        related_party=details.get("related_party", []),
        contact_medium=details.get("contact_medium", []),
        note=details.get("note", []),
        attachment=details.get("attachment", []),
        calendar_event=details.get("calendar_event"),
        topics=list(topics),
        trainer=trainer,
        attendees=list(attendees),
        attended=[],
        feedback_score=None,
        sequence=0,
        creation_date=owner.now,
        last_update=owner.now,
    )


async def get(
    session: AsyncSession,
    appointment_id: str,
    *,
    case_id: str | None = None,
    fresh: bool = False,
    lock: bool = False,
) -> Appointment:
    """The appointment (404 when unknown or of another case); ``fresh`` re-reads a row this
    session already holds, after the caller locked its case; ``lock`` re-reads and locks
    the row itself (a plain appointment has no case to lock)."""
    row = await session.get(
        Appointment, appointment_id, populate_existing=fresh or lock, with_for_update=lock
    )
    if row is None or (case_id is not None and row.case_id != case_id):
        raise NotFound(f"no appointment {appointment_id}")
    return row


async def open_of_case(
    session: AsyncSession, case_id: str, category: Category
) -> Sequence[Appointment]:
    """The case's appointments of ``category`` that are still open, earliest first."""
    rows = await session.scalars(
        select(Appointment)
        .where(
            Appointment.case_id == case_id,
            Appointment.category == category.value,
            Appointment.status.in_([status.value for status in OPEN]),
        )
        .order_by(Appointment.start)
    )
    return rows.all()


def move_to(
    case: Owner,
    row: Appointment,
    requested: Status,
    base_url: str,
    *,
    implicit: bool = False,
) -> None:
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
        row.sequence += 1
        row.last_update = case.now
        _publish(case, "StateChange", row, base_url, previousStatus=previous)


def reschedule(case: Owner, row: Appointment, start: datetime, end: datetime | None) -> bool:
    """Move an open appointment; whether its period changed. A move is a new version of
    its invitation (a higher ``sequence``), which calendars take in place of the earlier."""
    if Status(row.status) not in OPEN:
        raise Conflict(f"a {row.status} appointment cannot be moved")
    _check_period(start, end)
    if (start, end) == (row.start, row.end):
        return False
    row.start, row.end, row.last_update = start, end, case.now
    row.sequence += 1
    return True


def detail_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """The columns the TMF646 details in ``data`` are kept in; ``None`` empties a list."""
    return {
        column: data[name] if data[name] is not None else ([] if column in LIST_COLUMNS else None)
        for name, column in DETAIL_COLUMNS.items()
        if name in data
    }


def change_details(row: Appointment, data: Mapping[str, Any]) -> None:
    """Apply the details a merge patch names (TMF646 attribute → new value, in its TMF646
    spelling). A case's appointment stays related to its case only, and keeps the case's
    customer among its parties; a plain one is kept as sent."""
    columns = detail_columns(data)
    if row.case_id is not None:
        if "related_entity" in columns:
            raise InvalidInput(
                "an appointment of a completion case is related to its case", field="relatedEntity"
            )
        if "related_party" in columns:
            customer = [party for party in row.related_party if is_customer(party)]
            columns["related_party"] = case_parties(customer, columns["related_party"])
    for column, value in columns.items():
        setattr(row, column, value)


def _check_period(start: datetime, end: datetime | None) -> None:
    if end is not None and end <= start:
        raise InvalidInput("endDateTime must be after startDateTime", field="validFor")


def changed(case: Owner, row: Appointment, field_path: str, base_url: str) -> None:
    row.last_update = case.now
    _publish(case, "AttributeValueChange", row, base_url, fieldPath=field_path)


async def for_step(
    session: AsyncSession, step: Step, *, statuses: Sequence[Status] = ()
) -> list[Appointment]:
    statement = select(Appointment).where(Appointment.step_id == step.id)
    if statuses:
        statement = statement.where(Appointment.status.in_([s.value for s in statuses]))
    rows = await session.scalars(statement.order_by(Appointment.start))
    return list(rows)


async def settle_commissioning(
    session: AsyncSession, case: CompletionCase, step: Step, *, passed: bool, base_url: str
) -> None:
    """A reported test result completes (or fails) the visit that was booked for it."""
    booked = await for_step(session, step, statuses=tuple(OPEN))
    if booked:
        status = Status.COMPLETED if passed else Status.FAILED
        move_to(case, booked[0], status, base_url, implicit=True)
