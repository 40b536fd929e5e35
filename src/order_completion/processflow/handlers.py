"""Feeding a waiting task flow: the characteristics of a TMF701 PATCH become the body of
the matching step action, handled on the case with the same checks as that action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from order_completion.acceptance.handlers import decide
from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.auth.service import demand
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.commissioning.handlers import record_on
from order_completion.errors import Conflict, InvalidInput
from order_completion.processflow.representation import INPUTS
from order_completion.processflow.schemas import TaskFlowUpdate
from order_completion.processflow.service import decision_of, test_result_of, values_of
from order_completion.surveys.handlers import answer_on
from order_completion.surveys.schemas import SurveyResponse

# The permission each task's information needs: the same as the step action's route.
NEEDS: dict[StepKind, Permission] = {
    StepKind.ACCEPTANCE: Permission.RECORD_DECISION,
    StepKind.COMMISSIONING_TEST: Permission.RECORD_TEST,
    StepKind.SATISFACTION_SURVEY: Permission.RECORD_SURVEY,
}


def required_permission(kind: StepKind) -> Permission:
    """What the caller needs to feed a task of ``kind`` (409 when it takes nothing)."""
    if kind not in INPUTS:
        hint = (
            "; book training sessions as appointments (TMF646)" if kind is StepKind.TRAINING else ""
        )
        raise Conflict(f"the {kind} task takes no information here{hint}")
    return NEEDS[kind]


@dataclass(frozen=True)
class ProvideTask:
    """Give task ``task_id`` what it waits for, as a caller holding ``permissions``."""

    flow_id: str
    task_id: str
    update: TaskFlowUpdate
    actor: Actor
    permissions: frozenset[Permission]


async def provide_task(uow: UnitOfWork, cmd: ProvideTask) -> None:
    async with uow:
        case = await uow.load(cmd.flow_id, cmd.actor)
        kind = case.step(cmd.task_id).kind
        demand(cmd.permissions, required_permission(kind), who=cmd.actor.name)
        values = values_of(cmd.update, INPUTS[kind])
        try:
            await _provide(uow, case, kind, values)
        except ValidationError as error:
            first = error.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "characteristic"
            raise InvalidInput(
                str(first["msg"]).removeprefix("Value error, "), field=f"characteristic.{name}"
            ) from None
        except InvalidInput as error:
            raise InvalidInput(error.message, field=f"characteristic.{error.field}") from None


async def _provide(
    uow: UnitOfWork, case: CompletionCase, kind: StepKind, values: dict[str, Any]
) -> None:
    if kind is StepKind.ACCEPTANCE:
        decide(uow, case, decision_of(values))
    elif kind is StepKind.COMMISSIONING_TEST:
        await record_on(uow, case, test_result_of(values))
    else:
        answer_on(case, SurveyResponse.model_validate(values))
