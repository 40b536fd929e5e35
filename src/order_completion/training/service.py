"""Training the customer on what they bought: sessions on the policy's topics; the step
completes when every mandatory topic has a completed session, or expires at its due date."""

from __future__ import annotations

from typing import Any

from order_completion.appointments import service as appointments
from order_completion.appointments.rules import OPEN, Category, Status
from order_completion.appointments.tables import Appointment
from order_completion.cases.rules import Milestone, Outcome, StepKind, StepState
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.interactions import service as interactions
from order_completion.policies.rules import period_end
from order_completion.policies.schema import TrainingStep
from order_completion.timers.tables import Timer, TimerKind
from order_completion.training import rules
from order_completion.training.schemas import TrainingSessionCreate, TrainingSessionUpdate


def _config(step: CaseStep) -> TrainingStep:
    return TrainingStep.model_validate(step.config)


async def start(unit: CaseUnit, step: CaseStep) -> None:
    config = _config(step)
    if config.due_within is not None:
        due = period_end(unit.now, config.due_within.spec(), config.due_within.holiday_checker())
        step.due_at = due
        unit.schedule_timer(TimerKind.TRAINING_DUE, due, step=step)


async def book_session(unit: CaseUnit, body: TrainingSessionCreate, **details: Any) -> Appointment:
    """Book a session (an appointment of category ``training``) on the step's topics."""
    step = unit.waiting_step(StepKind.TRAINING)
    known = [topic.name for topic in _config(step).topics]
    unknown = [name for name in body.topic if known and name not in known]
    if unknown:
        raise InvalidInput(
            f"not a topic of this training: {', '.join(unknown)}; topics: {', '.join(known)}",
            field="topic",
        )
    session = appointments.book(
        unit,
        category=Category.TRAINING,
        step=step,
        start=body.scheduled_start,
        end=body.scheduled_end,
        description=details.pop("description", None) or f"Training on {', '.join(body.topic)}",
        topics=body.topic,
        trainer=body.trainer.model_dump(exclude_none=True) if body.trainer else None,
        attendees=[attendee.model_dump(exclude_none=True) for attendee in body.attendee],
        **details,
    )
    unit.record(
        "trainingSessionScheduled",
        step=step,
        sessionId=session.id,
        topic=session.topics,
        scheduledStart=body.scheduled_start.isoformat(),
    )
    interactions.log(
        unit,
        reason="trainingSessionScheduled",
        direction="outbound",
        step=step,
        description=session.description,
        status="open",
    )
    for attendee in session.attendees:
        unit.learn_contact({**attendee, "source": "trainingAttendee"})
    return session


def default_topics(unit: CaseUnit) -> list[str]:
    """The topics of a session booked without naming any: the mandatory ones, or all."""
    step = unit.waiting_step(StepKind.TRAINING)
    topics = _config(step).topics
    return [t.name for t in topics if t.mandatory] or [t.name for t in topics] or ["General"]


async def get_session(unit: CaseUnit, session_id: str) -> Appointment:
    row = await appointments.get(unit, unit.session, session_id)
    if row.category != Category.TRAINING.value:
        raise NotFound(f"case {unit.case.id} has no training session {session_id}")
    return row


async def close_session(
    unit: CaseUnit, session_id: str, body: TrainingSessionUpdate
) -> Appointment:
    """Complete or cancel a session; completing may complete the training step."""
    session = await get_session(unit, session_id)
    step = unit.waiting_step(StepKind.TRAINING)
    if Status(session.status) not in OPEN:
        raise Conflict(f"the training session is already {session.status}")
    invited = {attendee["name"] for attendee in session.attendees}
    strangers = [name for name in body.attended if invited and name not in invited]
    if strangers:
        raise InvalidInput(f"not invited to this session: {', '.join(strangers)}", field="attended")
    if body.state == "cancelled" and (body.attended or body.feedback_score is not None):
        raise InvalidInput("a cancelled session has no attendance or feedback", field="state")
    session.attended = list(body.attended)
    session.feedback_score = body.feedback_score
    appointments.move_to(unit, session, Status(body.state), implicit=True)
    unit.record(
        "trainingSession" + body.state.capitalize(),
        step=step,
        sessionId=session.id,
        attended=session.attended,
        feedbackScore=session.feedback_score,
    )
    interactions.log(
        unit,
        reason=f"trainingSession: {body.state}",
        direction="outbound",
        step=step,
        description=session.description,
    )
    if body.state == "completed":
        await _complete_if_trained(unit, step)
    return session


async def _complete_if_trained(unit: CaseUnit, step: CaseStep) -> None:
    mandatory = [topic.name for topic in _config(step).topics if topic.mandatory]
    completed = await appointments.for_step(unit, step, statuses=(Status.COMPLETED,))
    if rules.training_done(mandatory, [row.topics for row in completed]):
        unit.add_milestone(Milestone.TRAINING_COMPLETED)
        await unit.finish_step(step, Outcome.TRAINED)


async def on_due(unit: CaseUnit, timer: Timer) -> str:
    """The due date passed without the mandatory topics covered: the step expires."""
    if timer.step_id is None or unit.step(timer.step_id).state != StepState.ACTIVE.value:
        return "superseded"
    step = unit.step(timer.step_id)
    await unit.finish_step(step, Outcome.EXPIRED)
    return "expired"
