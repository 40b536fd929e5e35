"""Every request gets an id (the caller's when sane), echoed in the response and bound into
every log line written while it runs; one access log line per request; a crash is logged
with its traceback under the same id."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import structlog

from order_completion.app import create_app
from order_completion.bootstrap import Services
from tests.conftest import ADMIN_TOKEN
from tests.logged import LogLines, captured_logs
from tests.orders import BASE


@pytest.fixture
def lines() -> Iterator[LogLines]:
    with captured_logs() as captured:
        yield captured


@pytest.fixture
async def http(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app with two routes of the test's own: one that logs, one that crashes."""
    app = create_app(services)

    @app.get("/test/logs")
    async def logs_something() -> dict[str, str]:
        structlog.get_logger("test").info("handler.structlog")
        logging.getLogger("test.stdlib").warning("handler %s", "stdlib")
        return {}

    @app.get("/test/crash/{number}")
    async def crash(number: int) -> dict[str, str]:
        raise RuntimeError(f"crash number {number}")

    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


async def test_the_access_line_names_the_route_template_status_duration_and_id(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    response = await http.get(f"{BASE}/completionCase/no-such-case")
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    (line,) = lines.events("request")
    assert line["method"] == "GET"
    assert line["route"] == f"{BASE}/completionCase/{{case_id}}"
    assert line["status"] == 404
    assert isinstance(line["duration_ms"], float)
    assert line["request_id"] == request_id
    assert line["level"] == "info"
    assert line["logger"] == "order_completion.access"


async def test_a_sane_caller_id_is_kept_and_echoed(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    response = await http.get(f"{BASE}/completionCase", headers={"X-Request-ID": "abc-123.Z"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "abc-123.Z"
    assert [line["request_id"] for line in lines.events("request")] == ["abc-123.Z"]


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "tab\there", "é"])
async def test_an_insane_caller_id_is_replaced(
    http: httpx.AsyncClient, lines: LogLines, bad: str
) -> None:
    response = await http.get("/health", headers={"X-Request-ID": bad.encode("utf-8")})
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert lines.events("request")[0]["request_id"] == response.headers["X-Request-ID"]


async def test_lines_written_by_a_handler_carry_the_request_id(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    response = await http.get("/test/logs", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 200
    by_structlog = lines.events("handler.structlog")
    by_stdlib = lines.events("handler stdlib")
    assert [line["request_id"] for line in by_structlog + by_stdlib] == ["req-42", "req-42"]
    assert by_stdlib[0]["level"] == "warning"
    assert by_stdlib[0]["logger"] == "test.stdlib"
    # Bound for the request only: a line written after it has no id.
    structlog.get_logger("test").info("after.request")
    assert "request_id" not in lines.events("after.request")[0]


async def test_a_crash_answers_500_with_the_id_and_logs_the_traceback(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    response = await http.get("/test/crash/7")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert response.json() == {
        "code": "1",
        "reason": "Internal error",
        "message": f"an unexpected error occurred; the log has it under {request_id}",
        "status": "500",
        "@type": "Error",
    }
    (line,) = lines.events("request.failed")
    assert line["request_id"] == request_id
    assert line["route"] == "/test/crash/{number}"
    assert line["status"] == 500
    assert line["level"] == "error"
    assert "Traceback (most recent call last)" in line["exception"]
    assert "RuntimeError: crash number 7" in line["exception"]


async def test_a_crash_is_logged_with_its_traceback_under_the_error_level(
    http: httpx.AsyncClient,
) -> None:
    """An operator who keeps only errors still gets every crash, traceback included."""
    with captured_logs("error") as quiet:
        response = await http.get("/test/crash/8")
    assert response.status_code == 500
    (line,) = quiet.events("request.failed")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["level"] == "error"
    assert "RuntimeError: crash number 8" in line["exception"]


async def test_a_refused_body_is_logged_with_its_id_and_route_too(
    http: httpx.AsyncClient, lines: LogLines, services: Services
) -> None:
    """The size limit answers before the router runs; the line still names the route."""
    too_big = b"[" + b" " * services.settings.max_body_bytes + b"]"
    response = await http.post(f"{BASE}/completionCase", content=too_big)
    assert response.status_code == 413
    (line,) = lines.events("request")
    assert (line["status"], line["route"]) == (413, f"{BASE}/completionCase")
    assert line["request_id"] == response.headers["X-Request-ID"]


async def test_a_caller_refused_before_the_body_is_counted_under_its_route(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    """401s are told apart by route, so an operator sees which route attracts them; a path
    that is no route still shares the one label."""
    refused = await http.get(f"{BASE}/completionCase/c-1", headers={"Authorization": ""})
    assert refused.status_code == 401
    assert (await http.get("/no/such/path")).status_code == 404
    assert [(line["status"], line["route"]) for line in lines.events("request")] == [
        (401, f"{BASE}/completionCase/{{case_id}}"),
        (404, "unmatched"),
    ]


def test_library_lines_are_json_and_http_client_lines_are_silenced() -> None:
    with captured_logs("debug") as captured:
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 1)
        logging.getLogger("httpx").info("HTTP Request: POST http://example.test")
        logging.getLogger("sqlalchemy.engine").warning("pool overflow")
    lines = captured.all()
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("uvicorn.error", "Started server process [1]"),
        ("sqlalchemy.engine", "pool overflow"),
    ]
    assert all("timestamp" in line for line in lines)


async def test_a_portal_links_token_never_reaches_the_log(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    token = "WyJzZWNyZXQiLDEsMTc5NzAyNjM3OV0.c2lnbmF0dXJl"
    for path in (f"/portal/{token}", f"/portal/{token}/case", f"/portal/{token}/document/d-1"):
        await http.get(path)
    logged = [line["path"] for line in lines.events("request")]
    assert logged == ["/portal/{token}", "/portal/{token}/case", "/portal/{token}/document/d-1"]
    assert not any(token in str(line) for line in lines.events("request"))


async def test_a_token_in_a_path_no_route_takes_is_hidden_too(
    http: httpx.AsyncClient, lines: LogLines
) -> None:
    token = "WyJzZWNyZXQiLDEsMTc5NzAyNjM3OV0.c2lnbmF0dXJl"
    mangled = [f"/portal//{token}", f"/PORTAL/{token}/case", f"/tmf-api/x/portal/{token}"]
    for path in mangled:
        assert (await http.get(path)).status_code == 404
    logged = [line["path"] for line in lines.events("request")]
    assert logged == ["/portal//{token}", "/PORTAL/{token}/case", "/tmf-api/x/portal/{token}"]
    assert all(line["route"] == "unmatched" for line in lines.events("request"))
