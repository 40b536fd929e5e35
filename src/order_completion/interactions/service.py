"""Customer interactions of the completion phase that run by themselves.

The ready-for-service notice reaches the customer through the event hub (the milestone
event); adapters for mail or TMF681 build on that event.
"""

from __future__ import annotations

from order_completion.cases.rules import Milestone, Outcome
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep


async def send_ready_for_service_notice(unit: CaseUnit, step: CaseStep) -> None:
    """Tell the customer the service is ready; the acceptance window starts from here."""
    unit.record("readyForServiceNoticeSent", step=step, round=step.round)
    unit.add_milestone(Milestone.READY_FOR_SERVICE_NOTIFIED)
    await unit.finish_step(step, Outcome.NOTIFIED)
