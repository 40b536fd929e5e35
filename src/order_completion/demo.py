"""Sample orders for ``serve --demo``, driven through the real services and left in varied
states: completed consumer orders, and business orders waiting for a test, a retest, a
decision, remediation, training, on hold and cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.acceptance import service as acceptance
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.cases.rules import CaseState
from order_completion.cases.service import CaseUnit
from order_completion.commissioning import service as commissioning
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.orders.schemas import ProductOrder
from order_completion.training import service as training
from order_completion.training.schemas import TrainingSessionCreate

Step = Callable[[CaseUnit], Awaitable[Any]]
PLAN = ["Throughput (Y.1564)", "Latency", "Failover"]


def _order(
    order_id: str, category: str | None, customer: tuple[str, str], offerings: list[tuple[str, str]]
) -> ProductOrder:
    return ProductOrder.model_validate(
        {
            "id": order_id,
            "category": category,
            "state": "completed",
            "productOrderItem": [
                {
                    "id": str(index + 1),
                    "action": "add",
                    "productOffering": {"id": offering_id, "name": name},
                }
                for index, (offering_id, name) in enumerate(offerings)
            ],
            "relatedParty": [
                {
                    "id": customer[0],
                    "name": customer[1],
                    "role": "customer",
                    "@referredType": "Customer",
                }
            ],
        }
    )


def _test(result: str) -> CommissioningTestResult:
    return CommissioningTestResult.model_validate(
        {
            "result": result,
            "testItem": [
                {
                    "name": name,
                    "result": "failed" if result == "failed" and index == 2 else "passed",
                }
                for index, name in enumerate(PLAN)
            ],
            "witnessedBy": {"name": "Dana Smith", "role": "IT manager"},
        }
    )


async def _passed(unit: CaseUnit) -> Any:
    return await commissioning.record_result(unit, _test("passed"))


async def _failed(unit: CaseUnit) -> Any:
    return await commissioning.record_result(unit, _test("failed"))


async def _rejected(unit: CaseUnit) -> Any:
    return await acceptance.record_decision(
        unit,
        AcceptanceDecisionRequest.model_validate(
            {
                "decision": "rejected",
                "decidedBy": {"name": "Dana Smith"},
                "reason": "Failover slower than agreed",
                "punchList": [{"description": "Failover under 5 s"}],
            }
        ),
    )


async def _accepted(unit: CaseUnit) -> Any:
    return await acceptance.record_decision(
        unit,
        AcceptanceDecisionRequest.model_validate(
            {"decision": "accepted", "decidedBy": {"name": "Dana Smith", "id": "C-2001"}}
        ),
    )


async def _booked(unit: CaseUnit) -> Any:
    start = unit.now + timedelta(days=3)
    return await training.book_session(
        unit,
        TrainingSessionCreate.model_validate(
            {
                "topic": ["Portal administration"],
                "scheduledStart": start.isoformat(),
                "scheduledEnd": (start + timedelta(hours=2)).isoformat(),
                "trainer": {"name": "Sam Lee"},
                "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
            }
        ),
    )


async def _hold(unit: CaseUnit) -> Any:
    await unit.change_state(CaseState.HOLD, "Customer site closed for refurbishment")


async def _cancel(unit: CaseUnit) -> Any:
    await unit.change_state(CaseState.CANCELLED, "Customer withdrew the order")


ETHERNET = [("ETH-1G", "Managed Ethernet 1 Gbit/s"), ("SDWAN", "Managed SD-WAN")]
SAMPLES: list[tuple[ProductOrder, list[Step]]] = [
    (_order("DEMO-B2C-1", "B2C", ("CUST-1001", "Jo Bloggs"), [("FIBRE-500", "Fibre 500")]), []),
    (_order("DEMO-B2C-2", "B2C", ("CUST-1002", "Sam Patel"), [("FIBRE-900", "Fibre 900")]), []),
    (_order("DEMO-B2C-3", "B2C", ("CUST-1003", "Ana Ruiz"), [("TV-BASIC", "TV Basic")]), []),
    (_order("DEMO-B2B-1", "B2B", ("CUST-2001", "Acme Ltd"), ETHERNET), []),
    (_order("DEMO-B2B-2", "B2B", ("CUST-2002", "Globex plc"), ETHERNET), [_failed]),
    (_order("DEMO-B2B-3", "B2B", ("CUST-2003", "Initech"), ETHERNET), [_passed]),
    (_order("DEMO-B2B-4", "B2B", ("CUST-2004", "Umbrella"), ETHERNET), [_passed, _rejected]),
    (_order("DEMO-B2B-5", "B2B", ("CUST-2005", "Hooli"), ETHERNET), [_passed, _accepted, _booked]),
    (_order("DEMO-B2B-6", "B2B", ("CUST-2006", "Stark Industries"), ETHERNET), [_hold]),
    (_order("DEMO-B2B-7", "B2B", ("CUST-2007", "Wayne Enterprises"), ETHERNET), [_cancel]),
    (_order("DEMO-OTHER-1", None, ("CUST-3001", "Example Council"), [("IPVPN", "IP VPN")]), []),
]


async def load_demo(services: Services) -> int:
    """Open the sample cases (once) and walk each through its steps; returns how many are new."""
    created = 0
    for order, steps in SAMPLES:

        async def work(
            session: AsyncSession,
            now: datetime,
            order: ProductOrder = order,
            steps: list[Step] = steps,
        ) -> bool:
            result = await services.intake.open_case(session, order, now)
            if result.created:
                for step in steps:
                    await step(await services.cases.require(session, result.case_id, now))
            return result.created

        created += int(await services.write(work))
    return created
