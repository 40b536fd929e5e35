"""The policy file format, validated with pydantic; ``docs/policies.md`` documents it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from order_completion.cases.rules import StepKind
from order_completion.policies.rules import PeriodSpec, parse_iso_duration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Period(_Strict):
    """Exactly one of: ``duration`` (ISO 8601), ``days``, ``hours``, ``minutes`` or
    ``businessDays`` (with an optional ``country`` whose public holidays are skipped)."""

    duration: str | None = None
    days: int | None = Field(default=None, ge=0)
    hours: int | None = Field(default=None, ge=0)
    minutes: int | None = Field(default=None, ge=0)
    business_days: int | None = Field(default=None, ge=0, alias="businessDays")
    country: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Period:
        given = [
            name
            for name in ("duration", "days", "hours", "minutes", "business_days")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of duration, days, hours, minutes, businessDays"
                f" (got {len(given)})"
            )
        if self.duration is not None:
            parse_iso_duration(self.duration)
        if self.country is not None:
            if self.business_days is None:
                raise ValueError("country applies only to businessDays")
            if self.country.upper() not in holidays.list_supported_countries():
                raise ValueError(f"unknown holiday country {self.country!r}")
        return self

    def spec(self) -> PeriodSpec:
        from datetime import timedelta

        if self.business_days is not None:
            return PeriodSpec(business_days=self.business_days)
        if self.duration is not None:
            return PeriodSpec(fixed=parse_iso_duration(self.duration))
        return PeriodSpec(
            fixed=timedelta(days=self.days or 0, hours=self.hours or 0, minutes=self.minutes or 0)
        )

    def holiday_checker(self) -> Callable[[date], bool]:
        if self.country is None:
            return lambda _day: False
        calendar = holidays.country_holidays(self.country.upper())
        return lambda day: day in calendar


class Named(_Strict):
    name: str = Field(min_length=1)
    mandatory: bool = False


class _Step(_Strict):
    after: list[StepKind] = Field(default_factory=list)
    blocking: bool = True


class ReadyForServiceNoticeStep(_Step):
    kind: Literal[StepKind.READY_FOR_SERVICE_NOTICE]


class WitnessRule(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


class CommissioningTestStep(_Step):
    kind: Literal[StepKind.COMMISSIONING_TEST]
    customer_witness: WitnessRule = Field(default=WitnessRule.OPTIONAL, alias="customerWitness")
    test_plan: list[Named] = Field(default_factory=list, alias="testPlan")


class Reminder(_Strict):
    at: float = Field(gt=0, lt=1, description="fraction of the acceptance window")


class AcceptanceStep(_Step):
    kind: Literal[StepKind.ACCEPTANCE]
    window: Period
    deemed_acceptance: bool = Field(default=True, alias="deemedAcceptance")
    reminder: Reminder | None = None


class CustomerUpdateStep(_Step):
    kind: Literal[StepKind.CUSTOMER_UPDATE]


class TrainingStep(_Step):
    kind: Literal[StepKind.TRAINING]
    blocking: bool = False
    due_within: Period | None = Field(default=None, alias="dueWithin")
    topics: list[Named] = Field(default_factory=list)

    @field_validator("topics")
    @classmethod
    def _unique_topics(cls, topics: list[Named]) -> list[Named]:
        names = [topic.name for topic in topics]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"topic named more than once: {', '.join(duplicates)}")
        return topics


class SatisfactionSurveyStep(_Step):
    kind: Literal[StepKind.SATISFACTION_SURVEY]
    blocking: bool = False
    auto_close_after: Period = Field(default_factory=lambda: Period(days=5), alias="autoCloseAfter")


PolicyStep = Annotated[
    ReadyForServiceNoticeStep
    | CommissioningTestStep
    | AcceptanceStep
    | CustomerUpdateStep
    | TrainingStep
    | SatisfactionSurveyStep,
    Field(discriminator="kind"),
]


class AppliesTo(_Strict):
    """Which orders the policy is for; an empty list matches anything."""

    order_category: list[str] = Field(default_factory=list, alias="orderCategory")
    customer_segment: list[str] = Field(default_factory=list, alias="customerSegment")
    product_offering: list[str] = Field(default_factory=list, alias="productOffering")


class JeopardyRule(_Strict):
    target: Period
    warn_at: float = Field(default=0.8, gt=0, lt=1, alias="warnAt")


class Policy(_Strict):
    """One completion policy: which steps, in which order, with which windows."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)
    version: int = Field(ge=1)
    name: str = Field(min_length=1)
    description: str = ""
    priority: int = 0
    applies_to: AppliesTo = Field(default_factory=AppliesTo, alias="appliesTo")
    jeopardy: JeopardyRule | None = None
    steps: list[PolicyStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent_steps(self) -> Policy:
        kinds = [step.kind for step in self.steps]
        repeated = sorted({kind.value for kind in kinds if kinds.count(kind) > 1})
        if repeated:
            raise ValueError(f"each step kind may appear once; repeated: {', '.join(repeated)}")
        for step in self.steps:
            unknown = [kind.value for kind in step.after if kind not in kinds]
            if unknown:
                raise ValueError(
                    f"step {step.kind.value} runs after {', '.join(unknown)}, "
                    "which the policy does not have"
                )
        self._check_order()
        return self

    def _check_order(self) -> None:
        graph = self.predecessor_kinds
        for kind in graph:
            if kind in self._ancestors(kind, graph):
                raise ValueError(f"steps wait on each other in a cycle through {kind.value}")
        for later, earlier in (
            (StepKind.ACCEPTANCE, StepKind.COMMISSIONING_TEST),
            (StepKind.ACCEPTANCE, StepKind.READY_FOR_SERVICE_NOTICE),
            (StepKind.CUSTOMER_UPDATE, StepKind.ACCEPTANCE),
        ):
            if later in graph and earlier in graph and earlier not in self._ancestors(later, graph):
                raise ValueError(f"{later.value} must come after {earlier.value}")

    @staticmethod
    def _ancestors(kind: StepKind, graph: dict[StepKind, list[StepKind]]) -> set[StepKind]:
        seen: set[StepKind] = set()
        todo = list(graph.get(kind, []))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(graph.get(current, []))
        return seen

    @cached_property
    def predecessor_kinds(self) -> dict[StepKind, list[StepKind]]:
        """Each step's predecessors: those it names, or else the step written before it."""
        result: dict[StepKind, list[StepKind]] = {}
        for index, step in enumerate(self.steps):
            if step.after:
                result[step.kind] = list(step.after)
            else:
                result[step.kind] = [self.steps[index - 1].kind] if index > 0 else []
        return result

    def step_config(self, step: Any) -> dict[str, Any]:
        """The step as stored on a case: its policy settings, by their file names."""
        data: dict[str, Any] = step.model_dump(by_alias=True, mode="json", exclude_none=True)
        return data
