"""The API docs load nothing from outside: every script, style and icon the pages name is
served by this service, from an installed package."""

from __future__ import annotations

import re

import httpx
import pytest

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_name_only_local_assets_and_each_answers(
    anonymous: httpx.AsyncClient, page: str
) -> None:
    response = await anonymous.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    urls = re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""", response.text)
    assert "/openapi.json" in urls
    assets = [url for url in urls if url != "/openapi.json"]
    assert len(assets) >= 2
    assert not [url for url in urls if not url.startswith("/")], urls
    for url in assets:
        asset = await anonymous.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"] == MEDIA_TYPES[url[url.rindex(".") :]], url
        assert len(asset.content) > 1000, url


async def test_the_docs_pages_name_no_outside_host(anonymous: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        text = (await anonymous.get(page)).text
        assert not re.findall(r"https?://", text), page


async def test_only_the_known_assets_are_served(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/docs/assets/core.py")
    assert response.status_code == 404
    assert response.json()["reason"] == "Not found"
