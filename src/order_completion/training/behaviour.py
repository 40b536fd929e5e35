"""What the training step does by itself: set its due date when it starts, and expire when
the due date passes before every mandatory topic was covered."""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import TimerResult
from order_completion.cases.rules import Outcome, StepState
from order_completion.policies.rules import period_end
from order_completion.policies.schema import TrainingStep
from order_completion.timers.rules import DueTimer, TimerKind


def config_of(step: Step) -> TrainingStep:
    return TrainingStep.model_validate(step.config)


def start(case: CompletionCase, step: Step) -> None:
    config = config_of(step)
    if config.due_within is not None:
        due = period_end(case.now, config.due_within.spec(), config.due_within.holiday_checker())
        case.set_due(step, due)
        case.schedule_timer(TimerKind.TRAINING_DUE, due, step=step)


def on_due(case: CompletionCase, timer: DueTimer) -> TimerResult:
    """The due date passed without the mandatory topics covered: the step expires."""
    if timer.step_id is None or case.step(timer.step_id).state is not StepState.ACTIVE:
        return TimerResult.SUPERSEDED
    case.finish_step(case.step(timer.step_id), Outcome.EXPIRED)
    return TimerResult.EXPIRED


def default_topics(step: Step) -> list[str]:
    """The topics of a session booked without naming any: the mandatory ones, or all."""
    topics = config_of(step).topics
    return [t.name for t in topics if t.mandatory] or [t.name for t in topics] or ["General"]
