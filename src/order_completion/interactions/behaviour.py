"""The ready-for-service notice: tell the customer the service is ready; the acceptance
window starts from here."""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import Milestone, Outcome


def send_ready_for_service_notice(case: CompletionCase, step: Step) -> None:
    case.record(HistoryAction.READY_FOR_SERVICE_NOTICE_SENT, step=step, round=step.round)
    case.log_interaction(
        "readyForServiceNotice",
        Direction.OUTBOUND,
        step=step,
        description="The service is ready; please test it and accept or reject it.",
    )
    case.reach_milestone(Milestone.READY_FOR_SERVICE_NOTIFIED)
    case.finish_step(step, Outcome.NOTIFIED)
