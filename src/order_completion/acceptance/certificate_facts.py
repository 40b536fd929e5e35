"""What an acceptance certificate states, as plain values, and how they are read off an
accepted case.

The certificate is evidence that outlives the service's own records, so it is rendered from
these facts alone: everything it says is here, and nothing here depends on when or where it
is rendered. The same facts therefore give the same PDF, which is what lets the hash kept
on the case be checked again later.

Commissioning runs and acceptance decisions are rows of their own features, not part of the
case aggregate; the caller loads them and hands them in (any object with their fields will
do), so building the facts stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.rules import Outcome, StepKind
from order_completion.errors import Conflict
from order_completion.policies.schema import AcceptanceStep, Period


@dataclass(frozen=True)
class Evidence:
    """A file attached to a test run or a decision, identified by its content hash."""

    file_name: str
    media_type: str
    sha256: str


@dataclass(frozen=True)
class Person:
    name: str
    id: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class CertifiedItem:
    item_id: str
    action: str
    offering_id: str | None
    offering_name: str | None
    product_id: str | None = None


@dataclass(frozen=True)
class PassedTest:
    """One test of the commissioning run that passed, with who saw it and what backs it."""

    name: str
    result: str
    measure: str | None
    witnessed_by: Person | None
    run_date: datetime
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ExplicitAcceptance:
    decided_by: Person
    decided_at: datetime
    reason: str | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class DeemedAcceptance:
    """Silence through the acceptance window; ``rule`` says the window as the policy set it
    (for example "5 business days, public holidays of GB excluded")."""

    rule: str
    window_start: datetime
    window_end: datetime


Decision = ExplicitAcceptance | DeemedAcceptance


@dataclass(frozen=True)
class CertificateFacts:
    case_id: str
    customer_id: str
    customer_name: str | None
    product_order_id: str
    items: tuple[CertifiedItem, ...]
    tests: tuple[PassedTest, ...]
    decision: Decision
    start_of_service: datetime
    policy_id: str
    policy_version: int
    issued_at: datetime


class RecordedRun(Protocol):
    """A commissioning test run as its feature keeps it."""

    @property
    def id(self) -> str: ...
    @property
    def round(self) -> int: ...
    @property
    def result(self) -> str: ...
    @property
    def test_items(self) -> list[dict[str, Any]]: ...
    @property
    def witnessed_by(self) -> dict[str, Any] | None: ...
    @property
    def recorded_at(self) -> datetime: ...


class RecordedDecision(Protocol):
    """An explicit acceptance decision as this feature keeps it."""

    @property
    def id(self) -> str: ...
    @property
    def round(self) -> int: ...
    @property
    def decision(self) -> str: ...
    @property
    def decided_by(self) -> dict[str, Any]: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def decided_at(self) -> datetime: ...


NO_EVIDENCE: Mapping[str, Sequence[Evidence]] = {}
NO_PRODUCTS: Mapping[str, str] = {}


def facts_of_case(
    case: CompletionCase,
    *,
    runs: Sequence[RecordedRun],
    decisions: Sequence[RecordedDecision],
    evidence: Mapping[str, Sequence[Evidence]] = NO_EVIDENCE,
    product_ids: Mapping[str, str] = NO_PRODUCTS,
    issued_at: datetime | None = None,
) -> CertificateFacts:
    """The facts of an accepted case's certificate (409 when it was not accepted).

    ``evidence`` maps a run's or a decision's id to the files attached to it; ``product_ids``
    maps an order item's id to the product created for it in the inventory. The issue date
    defaults to the moment acceptance was recorded, so rendering again later gives the same
    document.
    """
    acceptance = _accepted_step(case)
    assert acceptance.completed_at is not None, "an accepted step has finished"
    assert case.start_of_service_date is not None, "acceptance starts the service"
    return CertificateFacts(
        case_id=case.id,
        customer_id=case.customer_id,
        customer_name=case.customer_name,
        product_order_id=case.product_order_id,
        items=tuple(
            CertifiedItem(
                item.item_id,
                item.action,
                item.offering_id,
                item.offering_name,
                product_ids.get(item.item_id),
            )
            for item in case.items
        ),
        tests=_passed_tests(runs, evidence),
        decision=_decision(acceptance, decisions, evidence),
        start_of_service=case.start_of_service_date,
        policy_id=case.policy_id,
        policy_version=case.policy_version,
        issued_at=issued_at or acceptance.completed_at,
    )


def _accepted_step(case: CompletionCase) -> Step:
    step = case.step_of_kind(StepKind.ACCEPTANCE)
    if step is None or step.outcome not in (Outcome.ACCEPTED, Outcome.DEEMED_ACCEPTED):
        raise Conflict(f"case {case.id} has not been accepted, so it has no certificate")
    return step


def _passed_tests(
    runs: Sequence[RecordedRun], evidence: Mapping[str, Sequence[Evidence]]
) -> tuple[PassedTest, ...]:
    """The tests of the latest passed run: the one the accepted round rests on (a pass in an
    earlier round was followed by a rejection)."""
    passed = [run for run in runs if run.result == "passed"]
    if not passed:
        return ()
    run = max(passed, key=lambda run: (run.round, run.recorded_at))
    witness = _person(run.witnessed_by) if run.witnessed_by else None
    files = tuple(evidence.get(run.id, ()))
    return tuple(
        PassedTest(
            name=str(item["name"]),
            result=str(item["result"]),
            measure=_measure(item.get("measure")),
            witnessed_by=witness,
            run_date=run.recorded_at,
            evidence=files,
        )
        for item in run.test_items
    )


def _decision(
    step: Step,
    decisions: Sequence[RecordedDecision],
    evidence: Mapping[str, Sequence[Evidence]],
) -> Decision:
    if step.outcome is Outcome.DEEMED_ACCEPTED:
        return DeemedAcceptance(
            rule=window_rule(AcceptanceStep.model_validate(step.config).window),
            window_start=datetime.fromisoformat(step.data["windowStart"]),
            window_end=datetime.fromisoformat(step.data["windowEnd"]),
        )
    accepted = [d for d in decisions if d.decision == "accepted" and d.round == step.round]
    if not accepted:
        raise ValueError(f"no accepted decision of round {step.round} was handed in")
    decision = max(accepted, key=lambda d: d.decided_at)
    return ExplicitAcceptance(
        decided_by=_person(decision.decided_by),
        decided_at=decision.decided_at,
        reason=decision.reason,
        evidence=tuple(evidence.get(decision.id, ())),
    )


def _person(values: Mapping[str, Any]) -> Person:
    return Person(str(values["name"]), values.get("id"), values.get("role"))


def _measure(value: Any) -> str | None:
    """A test's measure as a person reads it: "998 Mbit/s", or several joined by "; "."""
    if value is None:
        return None
    measures = value if isinstance(value, list) else [value]
    return "; ".join(
        " ".join(_plain(part) for part in (m.get("value"), m.get("unit")) if part is not None)
        for m in measures
    )


def _plain(value: Any) -> str:
    """A measured value as written: 998 rather than the 998.0 it was kept as."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def window_rule(window: Period) -> str:
    """The acceptance window in words, as the policy set it."""
    if window.business_days is not None:
        rule = f"{window.business_days} business day{_plural(window.business_days)}"
        if window.country:
            rule += f", public holidays of {window.country.upper()} excluded"
        return rule
    if window.duration is not None:
        return f"{window.duration} (ISO 8601 duration)"
    count, unit = next(
        (count, unit)
        for count, unit in (
            (window.days, "day"),
            (window.hours, "hour"),
            (window.minutes, "minute"),
        )
        if count is not None
    )
    return f"{count} {unit}{_plural(count)}"


def _plural(count: int) -> str:
    return "" if count == 1 else "s"
