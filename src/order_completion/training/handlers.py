"""Training the customer on what they bought: sessions (appointments of category
``training``) on the policy's topics; the step completes when every mandatory topic has a
completed session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from order_completion.appointments import service as appointments
from order_completion.appointments.rules import OPEN, Category, Status
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import Milestone, Outcome, StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.training import rules
from order_completion.training.behaviour import config_of, default_topics
from order_completion.training.schemas import TrainingSessionCreate


class SessionEnd(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class BookSession:
    case_id: str
    start: datetime
    end: datetime
    actor: Actor
    topics: tuple[str, ...] = ()  # none named: the mandatory topics (or all)
    trainer: dict[str, Any] | None = None
    attendees: tuple[dict[str, Any], ...] = ()
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def booking(case_id: str, body: TrainingSessionCreate, actor: Actor) -> BookSession:
    """The command a session request of the case API (or a test) stands for."""
    return BookSession(
        case_id,
        start=body.scheduled_start,
        end=body.scheduled_end,
        actor=actor,
        topics=tuple(body.topic),
        trainer=body.trainer.model_dump(exclude_none=True) if body.trainer else None,
        attendees=tuple(attendee.model_dump(exclude_none=True) for attendee in body.attendee),
    )


async def book_session(uow: UnitOfWork, cmd: BookSession) -> Appointment:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        return book_on(uow, case, cmd)


def book_on(uow: UnitOfWork, case: CompletionCase, cmd: BookSession) -> Appointment:
    """Book a session on a loaded case (409 unless training waits)."""
    step = case.waiting_step(StepKind.TRAINING)
    known = [topic.name for topic in config_of(step).topics]
    topics = list(cmd.topics) or default_topics(step)
    unknown = [name for name in topics if known and name not in known]
    if unknown:
        raise InvalidInput(
            f"not a topic of this training: {', '.join(unknown)}; topics: {', '.join(known)}",
            field="topic",
        )
    row = appointments.book(
        uow.session,
        case,
        category=Category.TRAINING,
        step=step,
        start=cmd.start,
        end=cmd.end,
        base_url=uow.base_url,
        description=cmd.description or f"Training on {', '.join(topics)}",
        topics=topics,
        trainer=cmd.trainer,
        attendees=list(cmd.attendees),
        **cmd.details,
    )
    case.record(
        HistoryAction.TRAINING_SESSION_SCHEDULED,
        step=step,
        sessionId=row.id,
        topic=row.topics,
        scheduledStart=cmd.start.isoformat(),
    )
    case.log_interaction(
        "trainingSessionScheduled",
        Direction.OUTBOUND,
        step=step,
        description=row.description,
        status="open",
    )
    for attendee in row.attendees:
        case.learn_contact({**attendee, "source": "trainingAttendee"})
    return row


@dataclass(frozen=True)
class CloseSession:
    case_id: str
    session_id: str
    end: SessionEnd
    actor: Actor
    attended: tuple[str, ...] = ()
    feedback_score: int | None = None


async def close_session(uow: UnitOfWork, cmd: CloseSession) -> Appointment:
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        row = await appointments.get(uow.session, cmd.session_id, case_id=case.id)
        if row.category != Category.TRAINING.value:
            raise NotFound(f"case {case.id} has no training session {cmd.session_id}")
        await close_on(uow, case, row, cmd)
        return row


async def close_on(
    uow: UnitOfWork, case: CompletionCase, row: Appointment, cmd: CloseSession
) -> None:
    """Complete or cancel a session of a loaded case; completing may complete training."""
    step = case.waiting_step(StepKind.TRAINING)
    if Status(row.status) not in OPEN:
        raise Conflict(f"the training session is already {row.status}")
    invited = {attendee["name"] for attendee in row.attendees}
    strangers = [name for name in cmd.attended if invited and name not in invited]
    if strangers:
        raise InvalidInput(f"not invited to this session: {', '.join(strangers)}", field="attended")
    if cmd.end is SessionEnd.CANCELLED and (cmd.attended or cmd.feedback_score is not None):
        raise InvalidInput("a cancelled session has no attendance or feedback", field="state")
    row.attended = list(cmd.attended)
    row.feedback_score = cmd.feedback_score
    appointments.move_to(case, row, Status(cmd.end.value), uow.base_url, implicit=True)
    action = (
        HistoryAction.TRAINING_SESSION_COMPLETED
        if cmd.end is SessionEnd.COMPLETED
        else HistoryAction.TRAINING_SESSION_CANCELLED
    )
    case.record(
        action,
        step=step,
        sessionId=row.id,
        attended=row.attended,
        feedbackScore=row.feedback_score,
    )
    case.log_interaction(
        f"trainingSession: {cmd.end.value}",
        Direction.OUTBOUND,
        step=step,
        description=row.description,
    )
    if cmd.end is SessionEnd.COMPLETED:
        await _complete_if_trained(uow, case, step)


async def _complete_if_trained(uow: UnitOfWork, case: CompletionCase, step: Step) -> None:
    mandatory = [topic.name for topic in config_of(step).topics if topic.mandatory]
    completed = await appointments.for_step(uow.session, step, statuses=(Status.COMPLETED,))
    if rules.training_done(mandatory, [row.topics for row in completed]):
        case.reach_milestone(Milestone.TRAINING_COMPLETED)
        case.finish_step(step, Outcome.TRAINED)
