"""What timers leave behind: history that names the timer, and no jeopardy once only
non-blocking work is left."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from tests.orders import product_order
from tests.support import actions, case_json, decide, event_types, open_case, step_of

# Jeopardy warns at two days and breaches at four; once the customer accepts, only the
# survey is left, and it blocks nothing.
SURVEY_LAST = """
id: survey-last
version: 1
name: Survey last
priority: 50
appliesTo: {orderCategory: [SURVEY]}
jeopardy: {target: {days: 4}, warnAt: 0.5}
steps:
  - kind: readyForServiceNotice
  - kind: acceptance
    window: {days: 1}
  - kind: satisfactionSurvey
    blocking: false
    autoCloseAfter: {days: 30}
"""

ACCEPT = AcceptanceDecisionRequest.model_validate(
    {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "survey-last.yaml").write_text(SURVEY_LAST)
    return folder


def survey_order() -> dict[str, object]:
    return product_order(category="SURVEY")


async def test_no_jeopardy_once_only_non_blocking_steps_remain(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, survey_order())
    await decide(services, case_id, ACCEPT)
    assert step_of(await case_json(services, case_id), "satisfactionSurvey")["state"] == "active"
    for days in (2, 3):  # past the warning, then past the breach
        clock.advance(timedelta(days=days))
        await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert case["jeopardy"] == "none"
    assert "jeopardyRaised" not in actions(case)
    assert "completionCaseJeopardyAlertEvent" not in await event_types(services, case_id)


async def test_history_written_by_a_timer_names_the_timer(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, survey_order())
    clock.advance(timedelta(days=1, seconds=5))
    await services.timers.fire_due()
    history = (await case_json(services, case_id))["history"]
    deemed = [entry for entry in history if entry["action"] == "acceptanceDeemed"]
    assert len(deemed) == 1
    assert deemed[0]["detail"]["by"] == "timer:acceptanceWindowEnd"
    finished = next(
        entry
        for entry in history
        if entry["action"] == "stepFinished" and entry["detail"]["kind"] == "acceptance"
    )
    assert finished["detail"]["by"] == "timer:acceptanceWindowEnd"
