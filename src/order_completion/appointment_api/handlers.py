"""Changing an appointment through TMF646: move it, change its details, confirm it, or
report its outcome. A training appointment's outcome is its training session's, handled
by the training feature so both APIs have the same effect; a move of a case's appointment
is written in the case's history, which invites the customer again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.appointment_api.schemas import (
    AppointmentUpdate,
    other_entities,
    parties,
    required_end,
)
from order_completion.appointments import service as appointments
from order_completion.appointments.rules import Category, Status
from order_completion.appointments.service import NoCase, Owner
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import HistoryAction
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.clock import iso
from order_completion.errors import InvalidInput
from order_completion.training.handlers import CloseSession, SessionEnd, close_on

OUTCOME_FIELDS = frozenset({"attended", "feedbackScore"})


def required_permission(category: str | None) -> Permission:
    """What booking or changing an appointment of ``category`` needs: a training
    appointment is a training session, so it needs what the session's own routes need
    (whichever API is used, the same change asks for the same permission)."""
    if category == Category.TRAINING.value:
        return Permission.MANAGE_TRAINING
    return Permission.MANAGE_APPOINTMENTS


@dataclass(frozen=True)
class UpdateAppointment:
    appointment_id: str
    update: AppointmentUpdate
    actor: Actor


async def update_appointment(uow: UnitOfWork, cmd: UpdateAppointment) -> Appointment:
    async with uow:
        # Lock the case first, then read the appointment afresh: two PATCHes of one
        # appointment queue on the case and the second sees what the first did.
        case_id = (await appointments.get(uow.session, cmd.appointment_id)).case_id
        if case_id is None:
            row = await appointments.get(uow.session, cmd.appointment_id, lock=True)
            _apply_plain(uow, row, cmd.update)
            return row
        case = await uow.load(case_id, cmd.actor)
        row = await appointments.get(uow.session, cmd.appointment_id, fresh=True)
        await _apply(uow, case, row, cmd)
        return row


def _details(row: Appointment, body: AppointmentUpdate) -> dict[str, Any]:
    """The details the patch names, in their TMF646 spelling; the entities of a plain
    appointment checked as they are when it is booked."""
    data = body.model_dump(by_alias=True, exclude_unset=True)
    if body.relatedParty is not None:
        data["relatedParty"] = parties(body)
    if body.relatedEntity is not None and row.case_id is None:
        data["relatedEntity"] = other_entities(body.relatedEntity)
    return data


def _change(owner: Owner, row: Appointment, body: AppointmentUpdate, base_url: str) -> bool:
    """Move the appointment and change its details as the patch says (a case's keeps
    needing its end); whether it moved."""
    moved = False
    if body.validFor is not None:
        start, end = body.validFor.applied_to(row.start, row.end)
        if row.case_id is not None:
            end = required_end(end)
        moved = appointments.reschedule(owner, row, start, end)
    appointments.change_details(row, _details(row, body))
    named = body.model_fields_set - {"status"} - OUTCOME_FIELDS
    if named:
        appointments.changed(owner, row, ",".join(sorted(named)), base_url)
    return moved


def _apply_plain(uow: UnitOfWork, row: Appointment, body: AppointmentUpdate) -> None:
    """A plain appointment: its own life cycle, no case, no outcome to report."""
    outcome = sorted(OUTCOME_FIELDS & body.model_fields_set)
    if outcome:
        raise InvalidInput("is for training appointments of a completion case", field=outcome[0])
    owner = NoCase(uow.session, uow.now)
    _change(owner, row, body, uow.base_url)
    if body.status is not None:
        appointments.move_to(owner, row, Status(body.status), uow.base_url)


async def _apply(
    uow: UnitOfWork, case: CompletionCase, row: Appointment, cmd: UpdateAppointment
) -> None:
    body = cmd.update
    given = body.model_fields_set
    if _change(case, row, body, uow.base_url):
        _record_move(case, row)
    if body.status is None:
        if given & OUTCOME_FIELDS:
            raise InvalidInput(
                "attended and feedbackScore go with status completed",
                field="attended" if "attended" in given else "feedbackScore",
            )
        return
    status = Status(body.status)
    if row.category == Category.TRAINING.value and status in (Status.COMPLETED, Status.CANCELLED):
        close = CloseSession(
            case.id,
            row.id,
            SessionEnd(status.value),
            cmd.actor,
            attended=tuple(body.attended or ()),
            feedback_score=body.feedbackScore,
        )
        await close_on(uow, case, row, close)
        return
    appointments.move_to(case, row, status, uow.base_url)
    if status in (Status.CANCELLED, Status.FAILED):
        _record_withdrawal(case, row)


def _record_withdrawal(case: CompletionCase, row: Appointment) -> None:
    """The case remembers a visit called off (cancelled, or failed), and the customer's
    calendar is told to drop it."""
    case.record(
        HistoryAction.APPOINTMENT_WITHDRAWN,
        step=case.step(row.step_id) if row.step_id else None,
        appointmentId=row.id,
        category=row.category,
        status=row.status,
        sequence=row.sequence,
    )


def _record_move(case: CompletionCase, row: Appointment) -> None:
    """The case remembers the move, and the customer is sent the new version of the
    invitation (its ``sequence`` says which)."""
    case.record(
        HistoryAction.APPOINTMENT_RESCHEDULED,
        step=case.step(row.step_id) if row.step_id else None,
        appointmentId=row.id,
        category=row.category,
        sequence=row.sequence,
        start=iso(row.start),
        end=iso(row.end),
    )
