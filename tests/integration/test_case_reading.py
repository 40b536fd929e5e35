"""A case is read back whatever text it holds: a lone surrogate that the write path
stored (the standard library escapes it where orjson refuses it) must not make the case
unreadable on either database."""

from __future__ import annotations

from order_completion.audit import Actor
from order_completion.bootstrap import Services
from order_completion.cases.ports import read_case
from tests.orders import product_order
from tests.support import open_case

TEXT = "left a note \udcfd here"


async def test_step_data_with_a_lone_surrogate_reads_back(services: Services) -> None:
    case_id = await open_case(services, product_order())
    async with services.uow() as uow:
        case = await uow.load(case_id, Actor("tester"))
        case.annotate(case.steps[0], note=TEXT)
    shown = await read_case(services, case_id)
    assert shown["step"][0]["detail"]["note"] == TEXT
