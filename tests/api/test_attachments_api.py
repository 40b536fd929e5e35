"""Attachments: evidence a case takes (test reports, photos, signed documents), kept with
their SHA-256, named by test runs and decisions, listed on the acceptance certificate and
served back only to callers who may read the case."""

from __future__ import annotations

import asyncio
import hashlib
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from order_completion.bootstrap import Services
from tests.conftest import token_for
from tests.orders import BASE, business_order, open_over_api, passing_test, product_order

REPORT = b"%PDF-1.4\n% a test-set report\n" + bytes(range(256)) * 8  # 2,077 bytes


@pytest.fixture
def extra_settings(tmp_path: Any) -> dict[str, Any]:
    # Other bodies stop at 1 KiB; attachments may be 4 KiB.
    return {
        "attachment_dir": tmp_path / "files",
        "max_body_bytes": 1024,
        "attachment_max_bytes": 4096,
    }


async def open_business_case(client: httpx.AsyncClient) -> str:
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": business_order()})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


def upload(
    client: httpx.AsyncClient,
    case_id: str,
    data: bytes,
    *,
    name: str = "report.pdf",
    media_type: str = "application/pdf",
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        f"{BASE}/completionCase/{case_id}/attachment",
        params={"name": name},
        content=data,
        headers={"Content-Type": media_type, **(headers or {})},
    )


async def test_a_file_is_kept_with_its_hash_and_served_to_readers(
    services: Services, client: httpx.AsyncClient
) -> None:
    case_id = await open_business_case(client)
    engineer = {"Authorization": f"Bearer {await token_for(services, 'engineer')}"}
    added = await upload(client, case_id, REPORT, headers=engineer)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert body["size"] == {"amount": len(REPORT), "units": "bytes"}
    assert added.headers["location"] == body["href"]

    viewer = {"Authorization": f"Bearer {await token_for(services, 'viewer')}"}
    listed = (
        await client.get(f"{BASE}/completionCase/{case_id}/attachment", headers=viewer)
    ).json()
    assert [item["id"] for item in listed] == [body["id"]]
    served = await client.get(body["url"], headers=viewer)
    assert served.status_code == 200
    assert served.content == REPORT
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-sha256"] == body["sha256"]
    assert served.headers["content-disposition"].startswith("attachment;")
    history = (await client.get(f"{BASE}/completionCase/{case_id}/history")).json()
    assert history[-1]["action"] == "attachmentAdded"
    assert history[-1]["detail"]["sha256"] == body["sha256"]

    refused = await upload(client, case_id, REPORT, headers=viewer)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("name", "media_type", "data", "status", "field"),
    [
        ("page.html", "text/html", b"<script>alert(1)</script>", 400, "Content-Type"),
        ("../../etc/passwd", "text/plain", b"root", 400, "name"),
        (".hidden", "text/plain", b"x", 400, "name"),
        ("empty.txt", "text/plain", b"", 400, "body"),
        ("big.pdf", "application/pdf", b"x" * 5000, 413, None),
    ],
)
async def test_a_file_the_case_cannot_take_is_refused_and_nothing_kept(
    services: Services,
    client: httpx.AsyncClient,
    name: str,
    media_type: str,
    data: bytes,
    status: int,
    field: str | None,
) -> None:
    case_id = await open_business_case(client)
    refused = await upload(client, case_id, data, name=name, media_type=media_type)
    assert refused.status_code == status, refused.text
    assert refused.json().get("field") == field
    listed = (await client.get(f"{BASE}/completionCase/{case_id}/attachment")).json()
    assert listed == []
    nowhere = await upload(client, "no-such-case", REPORT)
    assert nowhere.status_code == 404


async def test_a_run_and_a_decision_name_their_evidence_and_the_certificate_lists_it(
    services: Services, client: httpx.AsyncClient
) -> None:
    case_id = await open_business_case(client)
    report = (await upload(client, case_id, REPORT)).json()
    signed = (
        await upload(client, case_id, b"signed by Dana", name="signed.txt", media_type="text/plain")
    ).json()
    one = f"{BASE}/completionCase/{case_id}"

    unknown = await client.post(
        f"{one}/commissioningTest", json={**passing_test(), "attachment": [{"id": "nope"}]}
    )
    assert (unknown.status_code, unknown.json()["field"]) == (400, "attachment")
    assert (await client.get(f"{one}/history")).json()[-1]["action"] == "attachmentAdded"

    run = await client.post(
        f"{one}/commissioningTest", json={**passing_test(), "attachment": [{"id": report["id"]}]}
    )
    assert run.status_code == 201, run.text
    again = await client.post(
        f"{one}/acceptanceDecision",
        json={
            "decision": "accepted",
            "decidedBy": {"name": "Dana"},
            "attachment": [{"id": report["id"]}],
        },
    )
    assert (again.status_code, again.json()["field"]) == (400, "attachment")
    decided = await client.post(
        f"{one}/acceptanceDecision",
        json={
            "decision": "accepted",
            "decidedBy": {"name": "Dana"},
            "attachment": [{"id": signed["id"]}],
        },
    )
    assert decided.status_code == 201, decided.text
    listed = {a["name"]: a for a in (await client.get(f"{one}/attachment")).json()}
    assert listed["report.pdf"]["evidenceOf"].startswith("commissioningRun:")
    assert listed["signed.txt"]["evidenceOf"].startswith("acceptanceDecision:")

    pdf = (await client.get(f"{one}/certificate.pdf")).content
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).replace("\n", "")
    for item in (report, signed):
        assert item["name"] in text
        assert item["sha256"][:32] in text
        assert item["sha256"][32:] in text


def stored_files(folder: Path) -> list[Path]:
    """The files the attachment store holds (none before the first upload)."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


async def test_a_finished_case_takes_no_attachment_and_nothing_is_stored(
    services: Services, client: httpx.AsyncClient
) -> None:
    # A consumer order with no systems to update completes as it is opened.
    completed = await open_over_api(client, product_order())
    assert completed["state"] == "completed"
    cancelled_id = await open_business_case(client)
    cancel = await client.patch(
        f"{BASE}/completionCase/{cancelled_id}", json={"state": "cancelled", "reason": "withdrawn"}
    )
    assert cancel.status_code == 200, cancel.text
    for case_id in (completed["id"], cancelled_id):
        history = (await client.get(f"{BASE}/completionCase/{case_id}/history")).json()
        refused = await upload(client, case_id, REPORT)
        assert refused.status_code == 409, refused.text
        assert {"code", "reason", "message", "status"} <= refused.json().keys()
        assert (await client.get(f"{BASE}/completionCase/{case_id}/attachment")).json() == []
        assert (await client.get(f"{BASE}/completionCase/{case_id}/history")).json() == history
    assert stored_files(services.settings.attachment_dir) == []


@pytest.mark.parametrize("route", ["commissioningTest", "acceptanceDecision"])
async def test_one_file_named_twice_as_the_evidence_of_one_record_is_refused(
    client: httpx.AsyncClient, route: str
) -> None:
    case_id = await open_business_case(client)
    one = f"{BASE}/completionCase/{case_id}"
    if route == "acceptanceDecision":
        assert (await client.post(f"{one}/commissioningTest", json=passing_test())).is_success
    report = (await upload(client, case_id, REPORT)).json()
    body = (
        passing_test()
        if route == "commissioningTest"
        else {"decision": "accepted", "decidedBy": {"name": "Dana"}}
    )
    before = (await client.get(one, params={"fields": "history"})).json()
    twice = await client.post(
        f"{one}/{route}", json={**body, "attachment": [{"id": report["id"]}, {"id": report["id"]}]}
    )
    assert (twice.status_code, twice.json()["field"]) == (400, "attachment"), twice.text
    assert report["id"] in twice.json()["message"]
    assert (await client.get(one, params={"fields": "history"})).json() == before
    listed = (await client.get(f"{one}/attachment")).json()
    assert "evidenceOf" not in listed[0]


@pytest.mark.parametrize("data", [REPORT, b'{"looks": "like JSON"}'])
async def test_an_upload_without_a_content_type_is_told_to_send_one(
    client: httpx.AsyncClient, data: bytes
) -> None:
    """Whether or not the bytes happen to read as JSON, the answer is about the missing
    header, never about the body not being JSON."""
    case_id = await open_business_case(client)
    refused = await client.post(
        f"{BASE}/completionCase/{case_id}/attachment", params={"name": "report.pdf"}, content=data
    )
    assert "content-type" not in refused.request.headers
    assert refused.status_code in (400, 415), refused.text
    answer = refused.json()
    assert answer["field"] == "Content-Type"
    assert "Content-Type" in answer["message"]
    assert "not valid JSON" not in answer["message"]
    assert "not UTF-8" not in answer["message"]
    assert (await client.get(f"{BASE}/completionCase/{case_id}/attachment")).json() == []


async def test_a_retried_upload_of_the_same_file_gives_back_the_attachment_it_made(
    services: Services, client: httpx.AsyncClient
) -> None:
    case_id = await open_business_case(client)
    first = await upload(client, case_id, REPORT)
    assert first.status_code == 201, first.text
    retried = await upload(client, case_id, REPORT)
    assert retried.status_code == 200, retried.text
    assert retried.json() == first.json()
    assert retried.headers["location"] == first.json()["href"]
    # Under another name, or other bytes, it is another attachment.
    renamed = await upload(client, case_id, REPORT, name="report-copy.pdf")
    assert renamed.status_code == 201, renamed.text
    other = await upload(client, case_id, REPORT + b"\n", name="report.pdf")
    assert other.status_code == 201, other.text
    listed = (await client.get(f"{BASE}/completionCase/{case_id}/attachment")).json()
    assert len(listed) == 3
    history = (await client.get(f"{BASE}/completionCase/{case_id}/history")).json()
    assert [entry["action"] for entry in history].count("attachmentAdded") == 3
    # The same file for another case is that case's own attachment.
    elsewhere = await upload(client, await open_business_case(client), REPORT)
    assert elsewhere.status_code == 201
    assert elsewhere.json()["id"] != first.json()["id"]


async def test_two_uploads_of_one_file_at_once_make_one_attachment(
    client: httpx.AsyncClient,
) -> None:
    """A retry that overtakes the first try: the case decides one after the other."""
    case_id = await open_business_case(client)
    answers = await asyncio.gather(*(upload(client, case_id, REPORT) for _ in range(2)))
    assert sorted(answer.status_code for answer in answers) == [200, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    listed = (await client.get(f"{BASE}/completionCase/{case_id}/attachment")).json()
    assert len(listed) == 1
