"""Attachments in an S3-compatible bucket: the requests are signed as S3 wants them (the
worked example of AWS Signature Version 4 for S3), and files go to a real S3-compatible
server over HTTP and come back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.integrations.s3 import parse_store_url, sign
from tests.conftest import unavailable
from tests.e2e.conftest import free_port
from tests.orders import BASE, business_order

ACCESS, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_requests_are_signed_as_the_s3_signature_example_says() -> None:
    """AWS's documented example: GET /test.txt of examplebucket with a Range header."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {
        "Host": "examplebucket.s3.amazonaws.com",
        "Range": "bytes=0-9",
        "x-amz-content-sha256": empty,
        "x-amz-date": "20130524T000000Z",
    }
    signed = sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        headers,
        empty,
        access_key=ACCESS,
        secret_key=SECRET,
        region="us-east-1",
        at=datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert signed == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


@pytest.mark.parametrize(
    "url", ["http://bucket/x", "s3://", "s3://bucket?endpoint=ftp://host", "file:///tmp"]
)
def test_a_store_url_that_is_no_s3_bucket_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="s3"):
        parse_store_url(url)


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    try:
        import moto.server as moto_server
    except ImportError:
        unavailable("S3 attachment tests skipped: moto (an S3-compatible server) is not installed")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    httpx.put(f"{endpoint}/evidence", timeout=10).raise_for_status()  # the bucket
    yield endpoint
    server.stop()


@pytest.fixture
def extra_settings(s3_server: str) -> dict[str, Any]:
    return {
        "attachment_store": f"s3://evidence/cases?endpoint={s3_server}&region=us-east-1",
        "s3_access_key_id": ACCESS,
        "s3_secret_access_key": SECRET,
    }


async def test_an_attachment_goes_to_the_bucket_and_comes_back(
    services: Services, client: httpx.AsyncClient, s3_server: str
) -> None:
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": business_order()})
    case_id = opened.json()["id"]
    report = b"%PDF-1.4 a report kept in a bucket"
    added = await client.post(
        f"{BASE}/completionCase/{case_id}/attachment",
        params={"name": "report.pdf"},
        content=report,
        headers={"Content-Type": "application/pdf"},
    )
    assert added.status_code == 201, added.text
    sha256 = added.json()["sha256"]
    # In the bucket under its hash (read back with a signed request: the server refuses
    # an unsigned one).
    assert await services.attachments.get(sha256) == report
    async with httpx.AsyncClient(timeout=10) as anyone:
        unsigned = await anyone.get(f"{s3_server}/evidence/cases/{sha256[:2]}/{sha256}")
    assert unsigned.status_code == 403
    served = await client.get(added.json()["url"])
    assert served.content == report
