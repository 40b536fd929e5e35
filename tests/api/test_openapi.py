"""The OpenAPI document describes every operation; the list of paths is pinned."""

from __future__ import annotations

import httpx

from order_completion.events.catalog import BASE_PATHS, Api
from tests.orders import BASE

PI = BASE_PATHS[Api.PARTY_INTERACTION]
PF = BASE_PATHS[Api.PROCESS_FLOW]
AP = BASE_PATHS[Api.APPOINTMENT]
EXPECTED = (
    {
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        (f"{BASE}/completionCase", "get"),
        (f"{BASE}/completionCase", "post"),
        (f"{BASE}/completionCase/{{case_id}}", "get"),
        (f"{BASE}/completionCase/{{case_id}}", "patch"),
        (f"{BASE}/completionCase/{{case_id}}/history", "get"),
        (f"{BASE}/completionCase/{{case_id}}/commissioningTest", "post"),
        (f"{BASE}/completionCase/{{case_id}}/acceptanceDecision", "post"),
        (f"{BASE}/completionCase/{{case_id}}/trainingSession", "get"),
        (f"{BASE}/completionCase/{{case_id}}/trainingSession", "post"),
        (f"{BASE}/completionCase/{{case_id}}/trainingSession/{{session_id}}", "get"),
        (f"{BASE}/completionCase/{{case_id}}/trainingSession/{{session_id}}", "patch"),
        (f"{BASE}/completionCase/{{case_id}}/surveyResponse", "post"),
        (f"{BASE}/completionCase/{{case_id}}/certificate.pdf", "get"),
        (f"{BASE}/completionCase/{{case_id}}/attachment", "get"),
        (f"{BASE}/completionCase/{{case_id}}/attachment", "post"),
        (f"{BASE}/completionCase/{{case_id}}/attachment/{{attachment_id}}", "get"),
        (f"{BASE}/completionCase/{{case_id}}/attachment/{{attachment_id}}/content", "get"),
        (f"{BASE}/completionCase/{{case_id}}/customerUpdate/retry", "post"),
        (f"{BASE}/completionCase/{{case_id}}/customerUpdate/settle", "post"),
        (f"{BASE}/listener/productOrderStateChangeEvent", "post"),
        (f"{BASE}/policy", "get"),
        (f"{BASE}/policy/{{policy_id}}", "get"),
        (f"{BASE}/completionCase/{{case_id}}/customerLink", "post"),
        (f"{BASE}/report", "get"),
        (f"{BASE}/report/chart/{{metric}}.svg", "get"),
    }
    | {
        ("/portal/{token}/case", "get"),
        ("/portal/{token}/acceptance", "post"),
        ("/portal/{token}/rejection", "post"),
        ("/portal/{token}/trainingSession", "post"),
        ("/portal/{token}/trainingSession/{session_id}/moveRequest", "post"),
        ("/portal/{token}/surveyResponse", "post"),
        ("/portal/{token}/certificate.pdf", "get"),
        ("/portal/{token}/document/{attachment_id}", "get"),
    }
    | {
        (f"{PF}/processFlow", "get"),
        (f"{PF}/processFlow", "post"),
        (f"{PF}/processFlow/{{flow_id}}", "get"),
        (f"{PF}/processFlow/{{flow_id}}/taskFlow", "get"),
        (f"{PF}/processFlow/{{flow_id}}/taskFlow/{{task_id}}", "get"),
        (f"{PF}/processFlow/{{flow_id}}/taskFlow/{{task_id}}", "patch"),
    }
    | {
        (f"{AP}/appointment", "get"),
        (f"{AP}/appointment", "post"),
        (f"{AP}/appointment/{{appointment_id}}", "get"),
        (f"{AP}/appointment/{{appointment_id}}", "patch"),
        (f"{AP}/appointment/{{appointment_id}}/calendar.ics", "get"),
    }
    | {
        (f"{PI}/partyInteraction", "get"),
        (f"{PI}/partyInteraction", "post"),
        (f"{PI}/partyInteraction/{{interaction_id}}", "get"),
        (f"{PI}/partyInteraction/{{interaction_id}}", "patch"),
        (f"{PI}/partyInteraction/{{interaction_id}}", "delete"),
    }
    | {
        (f"{BASE_PATHS[api]}/hub{suffix}", method)
        for api in Api
        for suffix, method in (
            ("/{hub_id}/delivery", "get"),
            ("/{hub_id}/delivery/{delivery_id}", "get"),
            ("/{hub_id}/delivery/{delivery_id}/replay", "post"),
            ("/{hub_id}/replay", "post"),
            ("/{hub_id}/enable", "post"),
            ("/{hub_id}/rotateSecret", "post"),
            ("", "post"),
            ("", "get"),
            ("/{hub_id}", "get"),
            ("/{hub_id}", "delete"),
        )
    }
)


async def test_every_operation_is_listed_and_described(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = {
        (path, method): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == EXPECTED
    for key, operation in operations.items():
        assert operation.get("summary"), key


async def test_patch_operations_accept_both_merge_patch_types(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    patch = document["paths"][f"{BASE}/completionCase/{{case_id}}"]["patch"]
    assert set(patch["requestBody"]["content"]) == {
        "application/json",
        "application/merge-patch+json",
    }
    assert "state" in patch["requestBody"]["content"]["application/json"]["schema"]["properties"]


async def test_every_operation_documents_its_bodies_with_schemas_and_examples(
    client: httpx.AsyncClient,
) -> None:
    """Responses name a schema; request bodies carry an example an integrator can send."""
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json")
                if status.startswith("2") and body:
                    assert "$ref" in str(body["schema"]), (method, path, status)
            request = operation.get("requestBody")
            if request:
                schema = next(iter(request["content"].values()))["schema"]
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].split("/")[-1]]
                assert schema.get("examples"), (method, path)
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
