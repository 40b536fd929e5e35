"""Certificate facts read off real cases that went through the handlers on both databases:
a witnessed commissioning test then an explicit acceptance, and a window that passed in
silence. The certificate rendered from them says what happened."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pypdf
import pytest

from order_completion.acceptance.certificate import render_certificate
from order_completion.acceptance.certificate_facts import (
    CertificateFacts,
    CertifiedItem,
    DeemedAcceptance,
    Evidence,
    ExplicitAcceptance,
    PassedTest,
    Person,
    facts_of_case,
)
from order_completion.acceptance.certificate_typeface import find_typeface
from order_completion.acceptance.queries import decisions_of_case
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.cases import queries
from order_completion.clock import FixedClock
from order_completion.commissioning.queries import runs_of_case
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.errors import Conflict
from tests.conftest import START
from tests.orders import business_order, failing_test, passing_test
from tests.support import decide, open_case, record_test

REPORT = Evidence("y1564.pdf", "application/pdf", "ab" * 32)
SIGNED = Evidence("signed.pdf", "application/pdf", "cd" * 32)


def witnessed_by(name: str, body: dict[str, object]) -> CommissioningTestResult:
    return CommissioningTestResult.model_validate(
        {**body, "witnessedBy": {"name": name, "role": "IT manager"}}
    )


async def opened_with_passed_test(services: Services, clock: FixedClock) -> str:
    """A business order for a customer with a non-Latin-1 name, failed once, then passed
    in front of a witness four hours later."""
    order = business_order()
    order["relatedParty"][0]["name"] = "Zoë Ångström"
    case_id = await open_case(services, order)
    await record_test(services, case_id, witnessed_by("Łukasz Nowak", failing_test()))
    clock.advance(timedelta(hours=4))
    await record_test(services, case_id, witnessed_by("Łukasz Nowak", passing_test()))
    return case_id


async def facts_of(services: Services, case_id: str, **extra: object) -> CertificateFacts:
    """What the certificate route will do: load the case, and its runs and decisions through
    their features' queries, then build the facts without I/O."""
    async with services.db.read() as session:
        case = await queries.get_case(session, case_id)
        runs = await runs_of_case(session, case_id)
        decisions = await decisions_of_case(session, case_id)
    return facts_of_case(case, runs=runs, decisions=decisions, **extra)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_an_explicitly_accepted_case_certifies_its_witnessed_tests_and_decider(
    services: Services, clock: FixedClock
) -> None:
    case_id = await opened_with_passed_test(services, clock)
    passed_at = START + timedelta(hours=4)
    clock.advance(timedelta(days=1))
    accepted_at = clock.now()
    await decide(
        services,
        case_id,
        AcceptanceDecisionRequest.model_validate(
            {
                "decision": "accepted",
                "decidedBy": {"name": "Dana Smith", "id": "C-42", "role": "Director"},
                "reason": "Throughput as ordered",
            }
        ),
    )
    async with services.db.read() as session:
        runs = await runs_of_case(session, case_id)
        [decision] = await decisions_of_case(session, case_id)
    # Oldest first: the failed run, then the passed one.
    assert [run.result for run in runs] == ["failed", "passed"]
    run_id, decision_id = runs[-1].id, decision.id

    facts = await facts_of(
        services,
        case_id,
        evidence={run_id: [REPORT], decision_id: [SIGNED]},
        product_ids={"1": "PRD-1"},
    )

    witness = Person("Łukasz Nowak", role="IT manager")
    assert facts.case_id == case_id
    assert (facts.customer_id, facts.customer_name) == ("CUST-1", "Zoë Ångström")
    assert facts.items == (
        CertifiedItem("1", "add", "ETH-1G", "Managed Ethernet 1 Gbit/s", "PRD-1"),
        CertifiedItem("2", "add", "SDWAN", "Managed SD-WAN", None),
    )
    assert facts.tests == (  # the passed run only, not the failed one before it
        PassedTest("Throughput (Y.1564)", "passed", "998 Mbit/s", witness, passed_at, (REPORT,)),
        PassedTest("Latency", "passed", "4.1 ms", witness, passed_at, (REPORT,)),
        PassedTest("Failover", "passed", None, witness, passed_at, (REPORT,)),
    )
    assert facts.decision == ExplicitAcceptance(
        Person("Dana Smith", "C-42", "Director"), accepted_at, "Throughput as ordered", (SIGNED,)
    )
    assert facts.start_of_service == accepted_at
    assert facts.issued_at == accepted_at
    assert (facts.policy_id, facts.policy_version) == ("business-managed", 1)

    text = text_of(render_certificate(facts).pdf)
    assert facts.product_order_id in text
    assert "Accepted by Dana Smith (Director, id C-42)" in text
    shown = find_typeface().text  # names as the installed typeface can show them
    assert f"{shown('Zoë Ångström')} (id CUST-1)" in text
    assert f"Latency passed 4.1 ms {shown('Łukasz Nowak')} (IT manager)" in text


async def test_a_case_deemed_accepted_certifies_the_window_rule_and_dates(
    services: Services, clock: FixedClock
) -> None:
    case_id = await opened_with_passed_test(services, clock)
    window_start = START + timedelta(hours=4)  # the notice right after the passed test
    window_end = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # five business days later
    clock.advance(timedelta(days=8))
    for _ in range(3):  # the reminder, the jeopardy warning, then the window's end
        await services.timers.fire_due()

    facts = await facts_of(services, case_id)

    assert facts.decision == DeemedAcceptance(
        "5 business days, public holidays of GB excluded", window_start, window_end
    )
    assert facts.start_of_service == window_end
    assert [test.name for test in facts.tests] == ["Throughput (Y.1564)", "Latency", "Failover"]
    text = text_of(render_certificate(facts).pdf)
    assert (
        "acceptance window of 5 business days, public holidays of GB excluded, which ran from "
        "2026-11-23 13:00 UTC to 2026-11-30 13:00 UTC" in text
    )
    assert "The service started on 2026-11-30 13:00 UTC." in text


async def test_a_case_not_yet_accepted_has_no_certificate(
    services: Services, clock: FixedClock
) -> None:
    case_id = await opened_with_passed_test(services, clock)

    with pytest.raises(Conflict, match="has not been accepted"):
        await facts_of(services, case_id)
