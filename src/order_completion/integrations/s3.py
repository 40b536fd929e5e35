"""An S3-compatible object store over plain HTTP: attachments kept in a bucket instead of a
folder. Requests are signed with AWS Signature Version 4 and use path-style URLs
(``{endpoint}/{bucket}/{key}``), which every S3-compatible server accepts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from order_completion.integrations.errors import PermanentFailure, TransientFailure

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    at: datetime,
    service: str = "s3",
) -> str:
    """The ``Authorization`` header of a request whose ``headers`` (host and x-amz-date
    included) are all signed."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    canonical_query = "&".join(
        f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
        for name in sorted(query)
        for value in sorted(query[name])
    )
    named = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed = ";".join(sorted(named))
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            canonical_query,
            "".join(f"{name}:{named[name]}\n" for name in sorted(named)),
            signed,
            payload_sha256,
        ]
    )
    day = at.strftime("%Y%m%d")
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [
            ALGORITHM,
            at.strftime("%Y%m%dT%H%M%SZ"),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request"
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"Credential={access_key}/{scope}"
    return f"{ALGORITHM} {credential}, SignedHeaders={signed}, Signature={signature}"


@dataclass(frozen=True)
class S3Location:
    endpoint: str
    bucket: str
    prefix: str
    region: str


def parse_store_url(url: str) -> S3Location:
    """``s3://bucket/prefix?endpoint=http://host:9000&region=eu-west-1``; ValueError saying
    what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("an attachment store is s3://bucket/prefix?endpoint=...&region=...")
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    region = options.get("region", "us-east-1")
    endpoint = options.get("endpoint", f"https://s3.{region}.amazonaws.com")
    if urlsplit(endpoint).scheme not in ("http", "https"):
        raise ValueError("the endpoint of an s3:// store must be an http(s) URL")
    prefix = parts.path.strip("/")
    return S3Location(endpoint.rstrip("/"), parts.netloc, f"{prefix}/" if prefix else "", region)


@dataclass
class S3Store:
    """Attachment bytes as objects named by their SHA-256, like the folder store."""

    location: S3Location
    access_key: str
    secret_key: str
    client: httpx.AsyncClient

    def _url(self, sha256: str) -> str:
        where = self.location
        return f"{where.endpoint}/{where.bucket}/{where.prefix}{sha256[:2]}/{sha256}"

    async def _send(self, method: str, url: str, body: bytes = b"") -> httpx.Response:
        now = datetime.now(UTC)
        payload = hashlib.sha256(body).hexdigest()
        headers = {
            "host": urlsplit(url).netloc,
            "x-amz-content-sha256": payload,
            "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
        }
        headers["authorization"] = sign(
            method,
            url,
            headers,
            payload,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.location.region,
            at=now,
        )
        try:
            answer = await self.client.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise TransientFailure(f"the attachment store is unreachable: {error}") from None
        if answer.status_code >= 500:
            raise TransientFailure(f"the attachment store answered {answer.status_code}")
        return answer

    async def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        answer = await self._send("PUT", self._url(sha256), data)
        if answer.status_code != 200:
            raise PermanentFailure(f"the attachment store refused the file: {answer.status_code}")
        return sha256

    async def get(self, sha256: str) -> bytes:
        answer = await self._send("GET", self._url(sha256))
        if answer.status_code != 200:
            raise PermanentFailure(f"the attachment store has no {sha256}: {answer.status_code}")
        return answer.content
