"""Sample orders for ``serve --demo``, driven through the real services and left in varied
states: completed consumer orders, and business orders waiting for a test, a retest, a
decision, remediation, training, on hold and cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from order_completion.acceptance import handlers as acceptance
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.audit import Actor
from order_completion.bootstrap import Services
from order_completion.cases import handlers as cases
from order_completion.cases.rules import CaseState
from order_completion.commissioning import handlers as commissioning
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.portal import handlers as portal
from order_completion.portal.schemas import CustomerLinkRequest
from order_completion.portal.signing import link_url
from order_completion.training import handlers as training

Step = Callable[[Services, str], Awaitable[Any]]
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


DEMO = Actor("demo")


async def _passed(app: Services, case_id: str) -> Any:
    command = commissioning.RecordTestResult(case_id, _test("passed"), DEMO)
    return await commissioning.record_result(app.uow(), command)


async def _failed(app: Services, case_id: str) -> Any:
    command = commissioning.RecordTestResult(case_id, _test("failed"), DEMO)
    return await commissioning.record_result(app.uow(), command)


async def _decide(app: Services, case_id: str, decision: dict[str, Any]) -> Any:
    body = AcceptanceDecisionRequest.model_validate(decision)
    return await acceptance.record_decision(
        app.uow(), acceptance.RecordDecision(case_id, body, DEMO)
    )


async def _rejected(app: Services, case_id: str) -> Any:
    return await _decide(
        app,
        case_id,
        {
            "decision": "rejected",
            "decidedBy": {"name": "Dana Smith"},
            "reason": "Failover slower than agreed",
            "punchList": [{"description": "Failover under 5 s"}],
        },
    )


async def _accepted(app: Services, case_id: str) -> Any:
    return await _decide(
        app, case_id, {"decision": "accepted", "decidedBy": {"name": "Dana Smith", "id": "C-2001"}}
    )


async def _booked(app: Services, case_id: str) -> Any:
    start = app.clock.now() + timedelta(days=3)
    command = training.BookSession(
        case_id,
        start=start,
        end=start + timedelta(hours=2),
        actor=DEMO,
        topics=("Portal administration",),
        trainer={"name": "Sam Lee"},
        attendees=({"name": "Dana Smith", "email": "dana@example.com"},),
    )
    return await training.book_session(app.uow(), command)


async def _hold(app: Services, case_id: str) -> Any:
    reason = "Customer site closed for refurbishment"
    command = cases.ChangeState(case_id, CaseState.HOLD, reason, DEMO)
    await cases.change_state(app.uow(), command)


async def _cancel(app: Services, case_id: str) -> Any:
    command = cases.ChangeState(case_id, CaseState.CANCELLED, "Customer withdrew the order", DEMO)
    await cases.change_state(app.uow(), command)


# The sample whose test passed, so its case waits for the customer's acceptance decision:
# the one ``serve --demo`` prints a customer portal link for.
AWAITING_DECISION = "DEMO-B2B-3"
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


class PeerSeeder:
    """Puts each sample's customer and order into the sandbox peers first, so the service
    updates records that exist: the order in TMF622 (found again by its ``externalId``),
    the customer in TMF629 (by ``engagedParty.id``), with an e-mail address the messages
    go to. The case is then opened for the order under the peer's id."""

    def __init__(self, client: httpx.AsyncClient, ordering: str, customers: str) -> None:
        self.client, self.ordering, self.customers = client, ordering, customers

    async def place(self, order: ProductOrder) -> ProductOrder:
        raw = order.model_dump(by_alias=True, mode="json", exclude_none=True)
        party = dict(raw["relatedParty"][0])
        address = _address(str(party.get("name")))
        customer_id = await self._find_or_create(
            f"{self.customers}/customer",
            {"engagedParty.id": party["id"]},
            {
                "name": party.get("name"),
                "engagedParty": {"id": party["id"], "@referredType": "Organization"},
                "contactMedium": [
                    {"mediumType": "email", "characteristic": {"emailAddress": address}}
                ],
            },
        )
        party.update(id=customer_id)
        party["contactMedium"] = [
            {"mediumType": "email", "characteristic": {"emailAddress": address}}
        ]
        body = {
            "externalId": raw["id"],
            "productOrderItem": raw["productOrderItem"],
            "relatedParty": [{k: v for k, v in party.items() if k != "contactMedium"}],
            **({"category": raw["category"]} if raw.get("category") else {}),
        }
        order_id = await self._find_or_create(
            f"{self.ordering}/productOrder", {"externalId": raw["id"]}, body
        )
        return ProductOrder.model_validate(
            {**raw, "id": order_id, "externalId": raw["id"], "relatedParty": [party]}
        )

    async def _find_or_create(self, url: str, wanted: dict[str, str], body: dict[str, Any]) -> str:
        found = await self.client.get(url, params={**wanted, "fields": "id"})
        found.raise_for_status()
        if found.json():
            return str(found.json()[0]["id"])
        created = await self.client.post(url, json=body)
        created.raise_for_status()
        return str(created.json()["id"])


def _address(name: str) -> str:
    local = "".join(ch if ch.isalnum() else "." for ch in name.lower()).strip(".")
    return f"{local or 'customer'}@example.com"


@dataclass(frozen=True)
class Samples:
    """What loading the samples came to: how many cases are new, and each sample's case
    by the sample's order id (new or opened by an earlier start)."""

    created: int
    case_ids: dict[str, str]


async def load_demo(services: Services, peers: PeerSeeder | None = None) -> int:
    """Open the sample cases (once) and walk each through its steps; returns how many are
    new. With ``peers``, each order and customer is put into the sandbox first."""
    return (await load_samples(services, peers)).created


async def load_samples(services: Services, peers: PeerSeeder | None = None) -> Samples:
    """``load_demo``, telling which case each sample is."""
    created = 0
    case_ids: dict[str, str] = {}
    for sample, steps in SAMPLES:
        order = await peers.place(sample) if peers is not None else sample
        opened = await services.intake.open_case(services.uow(), OpenCase.by_operator(order, DEMO))
        case_ids[sample.id] = opened.case_id
        if opened.created:
            created += 1
            for step in steps:
                if peers is not None:
                    # The peers hear of what the last step changed before the next one
                    # (training waits for the customer update to reach them).
                    await services.worker.run_once()
                await step(services, opened.case_id)
    return Samples(created, case_ids)


async def customer_link(services: Services, case_id: str) -> str:
    """A new customer portal link of the case, issued as ``customerLink`` issues one (and
    recorded in its history), valid for the default number of days."""
    command = portal.issuing(case_id, DEMO, CustomerLinkRequest(), services.portal_link_days)
    claims = await portal.issue_link(services.uow(), command)
    return link_url(services.portal_url, services.portal_signer, claims)
