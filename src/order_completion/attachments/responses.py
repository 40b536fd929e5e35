"""How a case's file is served back: one answer for the API's content route and the
customer portal's document download, so both send the same headers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from order_completion.attachments.tables import Attachment


def download(row: Attachment, data: bytes) -> Response:
    """A file's bytes as a download under its own name, with its hash, and never sniffed
    into something the browser would run."""
    return Response(
        data,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.name, safe='')}",
            "X-Content-SHA256": row.sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )
