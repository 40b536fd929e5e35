"""The operations workspace and case pages: queues, and actions that are the API's own
commands, refused (nothing changed) without the form token or the permission."""

from __future__ import annotations

import re

import httpx

from order_completion.bootstrap import Services
from tests.orders import business_order
from tests.support import case_json, open_case
from tests.web import add_staff, sign_in

PLAN = ["Throughput (Y.1564)", "Latency", "Failover"]


def run_form(token: str, result: str, **extra: str) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {"csrf": token, "result": result, "plan": PLAN}
    for name in PLAN:
        form[f"result:{name}"] = result if name == "Failover" else "passed"
    return {**form, **extra}


async def test_an_engineer_records_a_failed_then_a_passed_test_from_the_case_page(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, business_order("WEB-1"))
    await add_staff(services, "eli", "engineer")
    token = await sign_in(anonymous, "eli")
    page = await anonymous.get(f"/cases/{case_id}")
    assert 'action="/cases/' + case_id + '/commissioning-test"' in page.text

    failed = await anonymous.post(
        f"/cases/{case_id}/commissioning-test", data=run_form(token, "failed", witness="Dana Smith")
    )
    assert failed.status_code == 303
    assert failed.headers["location"] == f"/cases/{case_id}?done=test"
    passed = await anonymous.post(
        f"/cases/{case_id}/commissioning-test",
        data=run_form(token, "passed", witness="Dana Smith", note="all green"),
    )
    assert passed.status_code == 303

    shown = (await anonymous.get(f"/cases/{case_id}?done=test")).text
    assert "The commissioning test was recorded." in shown
    assert re.findall(r'data-run-result="(\w+)"', shown) == ["failed", "passed"]
    case = await case_json(services, case_id)
    step = next(s for s in case["step"] if s["kind"] == "commissioningTest")
    assert (step["state"], step["outcome"]) == ("completed", "passed")
    recorded = [e for e in case["history"] if e["action"] == "commissioningTestRecorded"]
    assert [entry["detail"]["by"] for entry in recorded] == ["eli", "eli"]


async def test_a_refused_run_changes_nothing_and_names_the_field(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """The policy asks for a witness: a pass without one is a 400 naming witnessedBy."""
    case_id = await open_case(services, business_order("WEB-2"))
    await add_staff(services, "eli", "engineer")
    token = await sign_in(anonymous, "eli")
    answer = await anonymous.post(
        f"/cases/{case_id}/commissioning-test", data=run_form(token, "passed")
    )
    assert answer.status_code == 400
    assert (
        "Nothing was changed: witnessedBy: this policy requires a customer witness" in answer.text
    )
    assert "data-run-result" not in answer.text


async def test_a_nul_in_a_run_form_is_a_400_page_naming_the_field_and_records_nothing(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    """No database keeps a NUL character (PostgreSQL refuses it): the form is refused as the
    API refuses such a body, before the command runs."""
    case_id = await open_case(services, business_order("WEB-NUL"))
    await add_staff(services, "eli", "engineer")
    token = await sign_in(anonymous, "eli")
    form = run_form(token, "failed", witness="Dana Smith", note="all\u0000green")
    answer = await anonymous.post(f"/cases/{case_id}/commissioning-test", data=form)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Nothing was changed: note: must not contain a NUL character" in answer.text
    case = await case_json(services, case_id)
    assert [e for e in case["history"] if e["action"] == "commissioningTestRecorded"] == []
    step = next(s for s in case["step"] if s["kind"] == "commissioningTest")
    assert step["state"] == "active"


async def test_a_form_without_its_token_is_refused_and_changes_nothing(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, business_order("WEB-3"))
    await add_staff(services, "morgan", "admin")
    token = await sign_in(anonymous, "morgan")
    form = run_form(token, "failed", witness="Dana Smith")
    for sent in ({k: v for k, v in form.items() if k != "csrf"}, {**form, "csrf": "x" * 43}):
        answer = await anonymous.post(f"/cases/{case_id}/commissioning-test", data=sent)
        assert answer.status_code == 403
        assert "Nothing was done" in answer.text
    hold = await anonymous.post(f"/cases/{case_id}/state", data={"state": "hold"})
    assert hold.status_code == 403
    case = await case_json(services, case_id)
    assert case["state"] == "active"
    assert not [e for e in case["history"] if e["action"] == "commissioningTestRecorded"]


async def test_a_viewer_sees_no_action_and_a_forged_post_is_refused(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, business_order("WEB-4"))
    await add_staff(services, "vic", "viewer")
    token = await sign_in(anonymous, "vic")
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert "your role changes nothing on it" in page
    assert not re.findall(r'<form method="post" action="/cases/', page)
    for path, data in [
        ("commissioning-test", run_form(token, "failed", witness="Dana Smith")),
        ("state", {"csrf": token, "state": "hold"}),
    ]:
        answer = await anonymous.post(f"/cases/{case_id}/{path}", data=data)
        assert answer.status_code == 403
        assert "vic (viewer) may not do this" in answer.text
    case = await case_json(services, case_id)
    assert case["state"] == "active"
    assert not [e for e in case["history"] if e["action"] == "commissioningTestRecorded"]


async def test_a_manager_holds_and_resumes_a_case(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, business_order("WEB-5"))
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    held = await anonymous.post(
        f"/cases/{case_id}/state", data={"csrf": token, "state": "hold", "reason": "site closed"}
    )
    assert held.status_code == 303
    assert (await case_json(services, case_id))["stateReason"] == "site closed"
    again = await anonymous.post(f"/cases/{case_id}/state", data={"csrf": token, "state": "hold"})
    assert again.status_code == 409
    resumed = await anonymous.post(
        f"/cases/{case_id}/state", data={"csrf": token, "state": "active"}
    )
    assert resumed.status_code == 303
    assert (await case_json(services, case_id))["state"] == "active"


async def test_evidence_attached_then_named_by_a_run(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, business_order("WEB-6"))
    await add_staff(services, "eli", "engineer")
    token = await sign_in(anonymous, "eli")
    added = await anonymous.post(
        f"/cases/{case_id}/evidence",
        data={"csrf": token, "description": "Y.1564 report"},
        files={"file": ("report.pdf", b"%PDF-1.7 report", "application/pdf")},
    )
    assert added.status_code == 303
    page = (await anonymous.get(f"/cases/{case_id}")).text
    file_id = re.search(r'name="evidence" value="([^"]+)"', page)
    assert file_id is not None
    form = run_form(token, "failed", witness="Dana Smith", evidence=file_id.group(1))
    assert (
        await anonymous.post(f"/cases/{case_id}/commissioning-test", data=form)
    ).status_code == 303
    page = (await anonymous.get(f"/cases/{case_id}")).text
    download = await anonymous.get(f"/cases/{case_id}/attachments/{file_id.group(1)}")
    assert download.content == b"%PDF-1.7 report"
    assert f'href="/cases/{case_id}/attachments/{file_id.group(1)}">report.pdf</a> </td>' in page


async def test_queues_count_and_filter_and_a_bad_filter_names_its_field(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    await open_case(services, business_order("WEB-7"))
    await open_case(services, business_order("WEB-8"))
    await add_staff(services, "vic", "viewer")
    await sign_in(anonymous, "vic")
    page = (await anonymous.get("/workspace?queue=engineer")).text
    assert re.search(
        r'data-queue="engineer">\s*Waiting on an engineer <span class="count">2</span>', page
    )
    assert page.count('href="/cases/') == 2
    one = (await anonymous.get("/workspace/queues?queue=engineer&order=WEB-8")).text
    assert "<html" not in one
    assert "WEB-8" in one
    assert "WEB-7" not in one
    wrong = await anonymous.get("/workspace?since=yesterday")
    assert wrong.status_code == 400
    assert "since: must be a date such as 2026-12-01" in wrong.text
