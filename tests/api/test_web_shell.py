"""What every page shares: a request body a page builds from a form and that fails
validation is refused as a page naming the field, never as the API's JSON error; a refusal
is a page carrying the refusal's own headers."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from order_completion.app import create_app
from order_completion.bootstrap import Services
from order_completion.errors import TooManyRequests
from order_completion.web.shell import VisitDep, page_router


class Signed(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    full_name: str = Field(alias="fullName", min_length=1)


async def page_answer(services: Services, pages: APIRouter, path: str) -> httpx.Response:
    """What the app, with the test-only ``pages`` added, answers at ``path``."""
    app = create_app(services)
    app.include_router(pages)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.get(path)


async def test_a_validation_error_a_page_lets_through_is_a_400_page_naming_the_field(
    services: Services,
) -> None:
    pages = page_router()

    @pages.get("/test-only/signed")
    async def signed(visit: VisitDep) -> Response:
        Signed.model_validate({"fullName": ""})  # refused: the route does not catch it
        return Response()

    answer = await page_answer(services, pages, "/test-only/signed")
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "fullName: String should have at least 1 character" in answer.text


async def test_a_refusal_a_page_lets_through_carries_its_headers(services: Services) -> None:
    """A 429 page says when to try again (``Retry-After``), as the API's 429 does."""
    pages = page_router()

    @pages.get("/test-only/busy")
    async def busy(visit: VisitDep) -> Response:
        raise TooManyRequests("too many tries", retry_after=42)

    answer = await page_answer(services, pages, "/test-only/busy")
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["Retry-After"] == "42"
    assert "too many tries" in answer.text
