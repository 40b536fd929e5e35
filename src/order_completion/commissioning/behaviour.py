"""What the commissioning step does when it starts: wait for a test result, asking the
customer to take part when the policy requires a witness."""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.policies.schema import CommissioningTestStep, WitnessRule


def config_of(step: Step) -> CommissioningTestStep:
    return CommissioningTestStep.model_validate(step.config)


def start(case: CompletionCase, step: Step) -> None:
    case.annotate(step, attempts=step.data.get("attempts", 0))
    if config_of(step).customer_witness is WitnessRule.REQUIRED:
        case.ask_customer(step)
