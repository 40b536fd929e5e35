"""Request bodies of the commissioning test action."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from order_completion.attachments.schemas import EvidenceRefs
from order_completion.tmf.schemas import OneLine, PersonName, SingleLineText


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Measure(_Body):
    value: float | str
    unit: str | None = None


class TestItem(_Body):
    # Printed on the acceptance certificate, one line per test.
    name: OneLine[Annotated[str, Field(min_length=1)]]
    result: Literal["passed", "failed"]
    measure: Measure | list[Measure] | None = None


class Person(_Body):
    """The customer's witness, as the certificate and the customer record name them."""

    name: PersonName
    role: SingleLineText | None = None
    email: SingleLineText | None = None


class CommissioningTestResult(_Body):
    """A run of the commissioning test plan, witnessed by the customer where required."""

    result: Literal["passed", "failed"]
    test_item: list[TestItem] = Field(default_factory=list, alias="testItem")
    witnessed_by: Person | None = Field(default=None, alias="witnessedBy")
    note: str | None = None
    attachment: EvidenceRefs = Field(
        default_factory=list,
        description="Files of the case that back this run (test-set reports, photos)",
    )

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "result": "passed",
                    "testItem": [
                        {
                            "name": "Throughput (Y.1564)",
                            "result": "passed",
                            "measure": {"value": 998, "unit": "Mbit/s"},
                        },
                        {
                            "name": "Latency",
                            "result": "passed",
                            "measure": {"value": 4.2, "unit": "ms"},
                        },
                        {"name": "Failover", "result": "passed"},
                    ],
                    "witnessedBy": {"name": "Dana Smith", "role": "IT manager"},
                }
            ]
        },
    )


class CommissioningTestOut(BaseModel):
    """A recorded test run, with the case as it stands after it."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    result: Literal["passed", "failed"]
    testItem: list[dict[str, Any]]
    witnessedBy: dict[str, Any] | None = None
    note: str | None = None
    round: int
    recordedDate: str
    completionCase: dict[str, Any]
