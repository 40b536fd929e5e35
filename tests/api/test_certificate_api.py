"""The acceptance certificate: issued by the worker for every accepted case, its hash kept
on the case, and served as a PDF to anyone who may read the case."""

from __future__ import annotations

import hashlib
from io import BytesIO

import httpx
from pypdf import PdfReader

from order_completion.bootstrap import Services
from tests.conftest import token_for
from tests.orders import BASE, business_order, product_order


async def test_an_accepted_case_gets_its_certificate_and_keeps_its_hash(
    services: Services, client: httpx.AsyncClient
) -> None:
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": product_order()})
    case = opened.json()
    assert case["state"] == "completed"
    assert "certificate" not in case  # rendered after the commit, by the worker
    await services.worker.run_once()
    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    recorded = case["certificate"]["sha256"]
    assert case["certificate"]["href"].endswith(f"/completionCase/{case['id']}/certificate.pdf")

    viewer = {"Authorization": f"Bearer {await token_for(services, 'viewer')}"}
    answer = await client.get(f"{BASE}/completionCase/{case['id']}/certificate.pdf", headers=viewer)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(answer.content).hexdigest() == recorded
    assert answer.headers["x-content-sha256"] == recorded
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(answer.content)).pages)
    assert "Jo Bloggs" in text
    assert case["productOrder"]["id"] in text

    history = (await client.get(f"{BASE}/completionCase/{case['id']}/history")).json()
    issued = [entry for entry in history if entry["action"] == "certificateIssued"]
    assert [entry["detail"]["sha256"] for entry in issued] == [recorded]


async def test_no_certificate_before_acceptance_and_none_for_an_unknown_case(
    client: httpx.AsyncClient,
) -> None:
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": business_order()})
    waiting = await client.get(f"{BASE}/completionCase/{opened.json()['id']}/certificate.pdf")
    assert waiting.status_code == 409
    assert waiting.json()["status"] == "409"
    unknown = await client.get(f"{BASE}/completionCase/no-such-case/certificate.pdf")
    assert unknown.status_code == 404
