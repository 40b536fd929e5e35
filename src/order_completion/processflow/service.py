"""TMF701 requests turned into the completion engine's own: the product order inside a
process flow, and a task flow's characteristics as the body of a step action."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.errors import InvalidInput
from order_completion.orders.schemas import ProductOrder
from order_completion.processflow.representation import AUTOMATIC
from order_completion.processflow.schemas import ProcessFlowCreate, TaskFlowUpdate
from order_completion.tmf.errors import field_path

REF_KEYS = {"role", "@referredType", "href", "name", "@baseType", "@schemaLocation"}


def policy_of(body: ProcessFlowCreate) -> str | None:
    spec = body.processFlowSpecification
    return None if spec == AUTOMATIC else spec


def product_order_of(body: ProcessFlowCreate) -> ProductOrder:
    """The product order given by value among the related entities."""
    for index, entity in enumerate(body.relatedEntity):
        data = entity.model_dump(by_alias=True, exclude_none=True)
        if (
            str(data.get("@referredType", "")).lower() == "productorder"
            or str(data.get("role", "")).lower() == "productorder"
        ):
            order = {key: value for key, value in data.items() if key not in REF_KEYS}
            beside = "relatedParty" not in order and bool(body.relatedParty)
            if beside:
                order["relatedParty"] = body.relatedParty
            try:
                return ProductOrder.model_validate(order)
            except ValidationError as error:
                first = error.errors()[0]
                location = list(first["loc"])
                # The parties sent beside the order are named where they were sent.
                came_beside = beside and location[:1] == ["relatedParty"]
                where = field_path(location if came_beside else ["relatedEntity", index, *location])
                message = str(first["msg"]).removeprefix("Value error, ")
                raise InvalidInput(message, field=where) from None
    raise InvalidInput(
        "needs the product order by value, with @referredType ProductOrder", field="relatedEntity"
    )


def values_of(body: TaskFlowUpdate, allowed: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in body.characteristic:
        if item.name not in allowed:
            raise InvalidInput(
                f"this task takes {', '.join(allowed)}", field=f"characteristic.{item.name}"
            )
        values[item.name] = item.value
    return values


def _person(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


def decision_of(values: dict[str, Any]) -> AcceptanceDecisionRequest:
    decided_by = _person(values.get("decidedBy"))
    if isinstance(decided_by, dict) and values.get("decidedById"):
        decided_by = {**decided_by, "id": values["decidedById"]}
    punch = [
        {"description": item} if isinstance(item, str) else item
        for item in values.get("punchList") or []
    ]
    return AcceptanceDecisionRequest.model_validate(
        {
            "decision": values.get("decision"),
            "decidedBy": decided_by,
            "reason": values.get("reason"),
            "punchList": punch,
        }
    )


def test_result_of(values: dict[str, Any]) -> CommissioningTestResult:
    data = {key: value for key, value in values.items() if value is not None}
    if "witnessedBy" in data:
        data["witnessedBy"] = _person(data["witnessedBy"])
    return CommissioningTestResult.model_validate(data)
