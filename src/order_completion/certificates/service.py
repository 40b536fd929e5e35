"""The acceptance certificate of a case, rendered from what the database holds: the case,
its commissioning runs and its acceptance decisions. The same records give the same PDF,
so the hash kept on the case checks any copy."""

from __future__ import annotations

import asyncio
from functools import cache

from order_completion.acceptance.certificate import RenderedCertificate, render_certificate
from order_completion.acceptance.certificate_facts import Evidence, facts_of_case
from order_completion.acceptance.certificate_typeface import Typeface, find_typeface
from order_completion.acceptance.queries import decisions_of_case
from order_completion.attachments.service import evidence_of_case
from order_completion.cases import queries
from order_completion.commissioning.queries import runs_of_case
from order_completion.database import Database


@cache
def typeface() -> Typeface:
    """Looked up once: the font files do not move while the service runs."""
    return find_typeface()


async def certificate_of(db: Database, case_id: str) -> RenderedCertificate:
    """The certificate of an accepted case (404 for no case, 409 when not accepted)."""
    async with db.read() as session:
        case = await queries.get_case(session, case_id)
        runs = await runs_of_case(session, case_id)
        decisions = await decisions_of_case(session, case_id)
        files = await evidence_of_case(session, case_id)
    evidence = {
        record_id: [Evidence(row.name, row.media_type, row.sha256) for row in rows]
        for record_id, rows in files.items()
    }
    facts = facts_of_case(case, runs=runs, decisions=decisions, evidence=evidence)
    # Rendering is CPU work of a tenth of a second or so: off the event loop.
    return await asyncio.to_thread(render_certificate, facts, typeface())
