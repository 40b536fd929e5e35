"""A crash inside the sandbox answers as the service does: a TMF error body naming the
request id its log line carries, never a bare text 500."""

from __future__ import annotations

from pathlib import Path

import httpx

from order_completion.sandbox.server import create_app


async def test_a_crash_answers_a_tmf_error_with_the_request_id(tmp_path: Path) -> None:
    app = create_app(tmp_path / "sandbox.db")

    @app.get("/test/crash")
    async def crash() -> None:
        raise RuntimeError("the sandbox broke")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        response = await http.get("/test/crash")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert response.json() == {
        "code": "1",
        "reason": "Internal error",
        "message": f"an unexpected error occurred; the log has it under {request_id}",
        "status": "500",
        "@type": "Error",
    }
