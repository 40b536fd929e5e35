"""The parts of a completion case: its steps and order items, and the behaviour each step
kind and timer kind brings (handed in by the composition root). Plain objects: the
aggregate in ``aggregate.py`` is the only thing that changes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from order_completion.cases import rules
from order_completion.cases.events import ItemState, StepSnapshot, TimerResult
from order_completion.cases.rules import Outcome, StepKind, StepState, StepView
from order_completion.clock import iso
from order_completion.timers.rules import DueTimer, TimerKind

if TYPE_CHECKING:
    from order_completion.cases.aggregate import CompletionCase

StepStarter = Callable[["CompletionCase", "Step"], None]
TimerJob = Callable[["CompletionCase", DueTimer], TimerResult]


@dataclass(frozen=True)
class CaseBehaviour:
    """What each step kind does when it starts and what each timer kind does when it fires;
    wired by the composition root from the step features."""

    starters: Mapping[StepKind, StepStarter]
    jobs: Mapping[TimerKind, TimerJob]

    def __post_init__(self) -> None:
        missing = set(StepKind) - set(self.starters)
        if missing:
            raise ValueError(f"no starter for step kinds {sorted(missing)}")


@dataclass(eq=False)
class Step:
    id: str
    position: int
    kind: StepKind
    state: StepState
    outcome: Outcome | None
    blocking: bool
    after: tuple[str, ...]
    config: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    round: int = 1
    rounds: list[dict[str, Any]] = field(default_factory=list)  # past rounds, oldest first
    started_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in rules.FINISHED_STEP_STATES

    def view(self) -> StepView:
        return StepView(self.id, self.kind, self.state, self.blocking, self.after)

    def snapshot(self) -> StepSnapshot:
        return StepSnapshot(
            id=self.id,
            position=self.position,
            kind=self.kind,
            state=self.state,
            outcome=self.outcome,
            blocking=self.blocking,
            round=self.round,
            after=self.after,
            started_at=self.started_at,
            due_at=self.due_at,
            completed_at=self.completed_at,
        )


@dataclass(eq=False)
class OrderItem:
    item_id: str
    position: int
    action: str
    offering_id: str | None
    offering_name: str | None
    state: ItemState = ItemState.DELIVERED
    active_from: datetime | None = None
    # The product in the product inventory that this item created or changed, once known.
    product_id: str | None = None


def round_of(step: Step, now: datetime) -> dict[str, Any]:
    """A finished round of a step, as it is kept on the step. A round that ended with an
    outcome (a rejection, a pass) finished, even if the step itself never left ``active``."""
    state = StepState.COMPLETED if step.outcome is not None else step.state
    return {
        "round": step.round,
        "state": state.value,
        "outcome": step.outcome.value if step.outcome else None,
        "startDate": iso(step.started_at),
        "completionDate": iso(step.completed_at or now),
    }
