"""A rejection over HTTP: the rejected round is kept on the step as ``pastRound``, and the
TMF701 task flow of the step says the same as the case."""

from __future__ import annotations

from typing import Any

import httpx

from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES
from tests.api.test_step_actions_api import open_business, post, step
from tests.orders import passing_test

PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
REJECT = {
    "decision": "rejected",
    "decidedBy": {"name": "Dana Smith", "id": "C-42"},
    "reason": "Failover takes longer than the 5 s agreed",
}


def characteristic(task: dict[str, Any], name: str) -> Any:
    (value,) = [c["value"] for c in task["characteristic"] if c["name"] == name]
    return value


async def rejected_case(client: httpx.AsyncClient) -> dict[str, Any]:
    case_id = await open_business(client)
    passed = await post(client, case_id, "commissioningTest", passing_test())
    assert passed.status_code == 201, passed.text
    rejected = await post(client, case_id, "acceptanceDecision", REJECT)
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["round"] == 1
    response = await client.get(
        f"{CASES}/{case_id}",
        params={"fields": "state,step,milestone,history"},
    )
    assert response.status_code == 200
    case: dict[str, Any] = response.json()
    return case


async def test_a_rejected_round_is_kept_as_a_past_round_of_the_acceptance_step(
    client: httpx.AsyncClient,
) -> None:
    case = await rejected_case(client)
    acceptance = step(case, "acceptance")

    assert acceptance["state"] == "new"
    assert acceptance["round"] == 2
    assert acceptance["outcome"] is None
    assert acceptance["waitingFor"] is None
    assert acceptance["dueDate"] is None
    assert [(r["round"], r["outcome"]) for r in acceptance["pastRound"]] == [(1, "rejected")]
    (past,) = acceptance["pastRound"]
    assert {"round", "state", "outcome", "startDate", "completionDate"} <= past.keys()
    assert past["startDate"] is not None
    assert past["completionDate"] is not None

    commissioning = step(case, "commissioningTest")
    assert commissioning["state"] == "active"
    assert commissioning["round"] == 2
    assert commissioning["waitingFor"] == "commissioningTestResult"
    assert [(r["round"], r["outcome"]) for r in commissioning["pastRound"]] == [(1, "passed")]

    notice = step(case, "readyForServiceNotice")
    assert notice["state"] == "new"
    assert notice["round"] == 2
    assert notice["after"] == [commissioning["id"]]
    assert sorted(acceptance["after"]) == sorted([notice["id"], commissioning["id"]])

    # Steps the rejection did not touch have no past rounds.
    assert "pastRound" not in step(case, "customerUpdate")
    assert step(case, "customerUpdate")["round"] == 1

    decisions = [e for e in case["history"] if e["action"] == "acceptanceDecisionRecorded"]
    assert [e["detail"]["reason"] for e in decisions] == [REJECT["reason"]]
    assert {e["stepId"] for e in case["history"] if e["action"] == "stepReopened"} == {
        acceptance["id"],
        commissioning["id"],
        notice["id"],
    }


async def test_the_task_flow_of_the_rejected_step_agrees_with_the_case(
    client: httpx.AsyncClient,
) -> None:
    case = await rejected_case(client)
    acceptance = step(case, "acceptance")

    response = await client.get(f"{PF}/{case['id']}/taskFlow/{acceptance['id']}")
    assert response.status_code == 200, response.text
    task = response.json()
    assert task["id"] == acceptance["id"]
    assert task["taskFlowSpecification"] == "acceptance"
    assert task["state"] == "new"
    assert characteristic(task, "round") == 2
    assert characteristic(task, "outcome") is None
    assert characteristic(task, "waitingFor") is None
    assert characteristic(task, "dueDate") is None
    depends_on = [r["taskFlow"]["id"] for r in task["taskFlowRelationship"]]
    assert sorted(depends_on) == sorted(acceptance["after"])

    commissioning = step(case, "commissioningTest")
    retest = (await client.get(f"{PF}/{case['id']}/taskFlow/{commissioning['id']}")).json()
    assert retest["state"] == "active"
    assert characteristic(retest, "round") == 2
    assert characteristic(retest, "waitingFor") == "commissioningTestResult"

    listed = (await client.get(f"{PF}/{case['id']}/taskFlow")).json()
    by_id = {t["id"]: t for t in listed}
    assert by_id[acceptance["id"]]["state"] == "new"
    assert characteristic(by_id[acceptance["id"]], "round") == 2
