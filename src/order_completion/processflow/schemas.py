"""TMF701 v4 request bodies and documented shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from order_completion.orders.schemas import EXAMPLE_ORDER


class Characteristic(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str = Field(min_length=1)
    value: Any = None
    valueType: str | None = None


class RelatedEntity(BaseModel):
    """A related entity; the product order comes by value, its attributes inline."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1)
    role: str | None = None
    referredType: str | None = Field(default=None, alias="@referredType")


class ProcessFlowCreate(BaseModel):
    """Open a completion case: ``relatedEntity`` carries the TMF622 product order by value
    (``@referredType: ProductOrder``); ``processFlowSpecification`` is a policy id, or
    ``completeCustomerOrder`` to let the policies choose."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "processFlowSpecification": "completeCustomerOrder",
                    "relatedEntity": [
                        {**EXAMPLE_ORDER, "role": "productOrder", "@referredType": "ProductOrder"}
                    ],
                }
            ]
        },
    )

    processFlowSpecification: str = Field(min_length=1)
    relatedEntity: list[RelatedEntity] = Field(min_length=1)
    relatedParty: list[dict[str, Any]] | None = None
    characteristic: list[Characteristic] | None = None
    channel: list[dict[str, Any]] | None = None
    type_: str | None = Field(default=None, alias="@type")
    baseType: str | None = Field(default=None, alias="@baseType")
    schemaLocation: str | None = Field(default=None, alias="@schemaLocation")


class TaskFlowUpdate(BaseModel):
    """What a waiting step needs, as characteristics: ``decision``/``decidedBy``/``reason``/
    ``punchList`` for acceptance, ``result``/``testItem``/``witnessedBy``/``note`` for the
    commissioning test, ``score``/``comment`` for the survey."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "characteristic": [
                        {"name": "decision", "value": "accepted"},
                        {"name": "decidedBy", "value": "Dana Smith"},
                    ]
                }
            ]
        },
    )

    characteristic: list[Characteristic] = Field(min_length=1)


class ProcessFlowOut(BaseModel):
    """A completion case as a TMF701 process flow."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    processFlowDate: str | None = None
    processFlowSpecification: str | None = None
    state: str | None = None
    channel: list[dict[str, Any]] | None = None
    characteristic: list[dict[str, Any]] | None = None
    relatedEntity: list[dict[str, Any]] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    taskFlow: list[dict[str, Any]] | None = None


class TaskFlowOut(BaseModel):
    """A step of a completion case as a TMF701 task flow."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    taskFlowSpecification: str | None = None
    state: str | None = None
    isMandatory: bool | None = None
    priority: int | None = None
    completionMethod: str | None = None
    channel: list[dict[str, Any]] | None = None
    characteristic: list[dict[str, Any]] | None = None
    relatedEntity: list[dict[str, Any]] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    taskFlowRelationship: list[dict[str, Any]] | None = None
