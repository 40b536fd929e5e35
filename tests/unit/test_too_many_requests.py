"""A 429 says when to try again (``Retry-After``) wherever it is answered: the API's JSON
error, and the middleware's, not only the sign-in page."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from order_completion.errors import TooManyRequests
from order_completion.tmf import errors


async def test_the_api_answers_a_429_with_retry_after() -> None:
    app = FastAPI()
    errors.install(app)

    @app.get("/busy")
    async def busy() -> None:
        raise TooManyRequests("too many tries", retry_after=90)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.get("/busy")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "90"
    assert answer.json()["message"] == "too many tries"


def test_the_middleware_headers_of_a_429_carry_retry_after_too() -> None:
    assert errors.service_error_headers(TooManyRequests("wait", retry_after=3)) == {
        "Retry-After": "3"
    }


def test_retry_after_is_never_less_than_a_second() -> None:
    assert TooManyRequests("wait", retry_after=0).headers == {"Retry-After": "1"}
