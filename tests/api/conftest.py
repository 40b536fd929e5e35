"""Fixtures of the API suite's portal tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from order_completion.app import create_app
from order_completion.bootstrap import Services


@pytest.fixture
async def anonymous_portal(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The customer's browser: no bearer token, only the link, keeping the cookies the
    pages set (``client`` is the operator, on the same services)."""
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
