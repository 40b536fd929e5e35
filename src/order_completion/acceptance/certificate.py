"""The acceptance certificate as a PDF: who accepted what, on what evidence, and from when
the service runs.

Rendering is deterministic: the creation date is the facts' issue date and the producer is
fixed, so the same facts (in the same typeface) give byte-identical documents and the
SHA-256 kept on the case can be checked by rendering again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from order_completion.acceptance.certificate_facts import (
    CertificateFacts,
    DeemedAcceptance,
    Evidence,
    ExplicitAcceptance,
    Person,
)
from order_completion.acceptance.certificate_typeface import Typeface, find_typeface

__all__ = ["MEDIA_TYPE", "RenderedCertificate", "render_certificate"]

PRODUCER = "order-completion"
MEDIA_TYPE = "application/pdf"
BODY_SIZE = 10
TABLE_SIZE = 9
HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


@dataclass(frozen=True)
class RenderedCertificate:
    pdf: bytes
    sha256: str


def render_certificate(
    facts: CertificateFacts, typeface: Typeface | None = None
) -> RenderedCertificate:
    """The certificate of ``facts`` and its SHA-256 (hex). ``typeface`` defaults to the
    best one installed (see ``certificate_typeface``)."""
    document = _Certificate(facts, typeface or find_typeface())
    document.compose()
    pdf = bytes(document.output())
    return RenderedCertificate(pdf, hashlib.sha256(pdf).hexdigest())


def moment(value: datetime) -> str:
    """A moment as the certificate prints it: unambiguous, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def wrapped_hash(sha256: str) -> str:
    """A hex digest on two lines, so it fits a table column and reads in halves."""
    half = len(sha256) // 2
    return f"{sha256[:half]}\n{sha256[half:]}"


def person(who: Person) -> str:
    details = ", ".join(part for part in (who.role, f"id {who.id}" if who.id else None) if part)
    return f"{who.name} ({details})" if details else who.name


def supported_tests(names: Sequence[str], of: int) -> str:
    """The tests a file backs, short enough for a table cell."""
    if len(names) == of:
        return "every test" if of > 1 else f"test {names[0]}"
    if len(names) > 3:
        return f"{len(names)} of the {of} tests"
    return "; ".join(f"test {name}" for name in names)


class _Certificate(FPDF):
    def __init__(self, facts: CertificateFacts, typeface: Typeface) -> None:
        super().__init__(format="A4")
        self.facts = facts
        self.typeface = typeface
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_creation_date(facts.issued_at)
        self.set_producer(PRODUCER)
        self.set_creator(PRODUCER)
        self.set_title(f"Acceptance certificate {facts.case_id}")
        self.set_subject(f"Acceptance of product order {facts.product_order_id}")
        if typeface.regular is not None and typeface.bold is not None:
            self.add_font(typeface.family, "", typeface.regular)
            self.add_font(typeface.family, "B", typeface.bold)

    def _font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.typeface.family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-14)
        self._font(8)
        text = f"Completion case {self.facts.case_id} - page {self.page_no()} of {{nb}}"
        self.cell(0, 6, self.typeface.text(text), align="C")

    # -- parts ----------------------------------------------------------------------------

    def compose(self) -> None:
        self.add_page()
        self._font(20, bold=True)
        self.cell(0, 12, "Acceptance certificate", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(BODY_SIZE)
        facts = self.facts
        self._paragraph(
            f"Issued {moment(facts.issued_at)} under completion policy "
            f"{facts.policy_id}, version {facts.policy_version}."
        )
        customer = facts.customer_name or facts.customer_id
        self._fields(
            [
                ("Customer", f"{customer} (id {facts.customer_id})"),
                ("Product order", facts.product_order_id),
                ("Completion case", facts.case_id),
                ("Start of service", moment(facts.start_of_service)),
            ]
        )
        self._items()
        self._tests()
        self._evidence()
        self._decision()
        self._heading("Start of service")
        self._font(BODY_SIZE, bold=True)
        self._paragraph(f"The service started on {moment(facts.start_of_service)}.")

    def _heading(self, text: str) -> None:
        self.ln(4)
        self._font(13, bold=True)
        self.cell(0, 8, self.typeface.text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(BODY_SIZE)

    def _paragraph(self, text: str) -> None:
        self.multi_cell(0, 5.5, self.typeface.text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.ln(2)
        for label, value in pairs:
            self._font(BODY_SIZE, bold=True)
            self.cell(40, 6, self.typeface.text(label))
            self._font(BODY_SIZE)
            self.multi_cell(0, 6, self.typeface.text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _table_of(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
    ) -> None:
        """A table whose first row is the headings, repeated on every page it spans; a word
        longer than its column (a file name, a hash) breaks between characters."""
        self._font(TABLE_SIZE)
        with self.table(
            col_widths=tuple(widths),
            headings_style=HEADINGS,
            line_height=5,
            text_align="LEFT",
            repeat_headings=1,
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.typeface.text(value))
        self._font(BODY_SIZE)

    def _items(self) -> None:
        self._heading("Order items")
        rows = [["Item", "Action", "Product offering", "Product"]]
        for item in self.facts.items:
            offering = " - ".join(v for v in (item.offering_id, item.offering_name) if v)
            rows.append([item.item_id, item.action, offering or "-", item.product_id or "-"])
        self._table_of(rows, (14, 14, 48, 24))

    def _tests(self) -> None:
        self._heading("Tests passed")
        if not self.facts.tests:
            self._paragraph("No commissioning test was recorded for this case.")
            return
        rows = [["Test", "Result", "Measure", "Witnessed by", "Run date"]]
        for test in self.facts.tests:
            witness = person(test.witnessed_by) if test.witnessed_by else "not witnessed"
            rows.append(
                [test.name, test.result, test.measure or "-", witness, moment(test.run_date)]
            )
        self._table_of(rows, (27, 10, 15, 23, 25))

    def _evidence(self) -> None:
        self._heading("Evidence")
        attached = self._attached_evidence()
        if not attached:
            self._paragraph("No evidence was attached.")
            return
        rows = [["File", "Media type", "SHA-256", "Supports"]]
        for file, supports in attached:
            rows.append([file.file_name, file.media_type, wrapped_hash(file.sha256), supports])
        self._table_of(rows, (24, 15, 43, 18))

    def _attached_evidence(self) -> list[tuple[Evidence, str]]:
        """Each file once, with what it supports: the tests of a run share its files."""
        backed: dict[Evidence, list[str]] = {}
        for test in self.facts.tests:
            for file in test.evidence:
                backed.setdefault(file, []).append(test.name)
        attached = {
            file: supported_tests(names, len(self.facts.tests)) for file, names in backed.items()
        }
        decision = self.facts.decision
        if isinstance(decision, ExplicitAcceptance):
            for file in decision.evidence:
                attached[file] = "; ".join(filter(None, (attached.get(file), "the decision")))
        return list(attached.items())

    def _decision(self) -> None:
        self._heading("Decision")
        facts = self.facts
        decision = facts.decision
        if isinstance(decision, DeemedAcceptance):
            self._paragraph(
                "Deemed accepted: no decision was received within the acceptance window of "
                f"{decision.rule}, which ran from {moment(decision.window_start)} to "
                f"{moment(decision.window_end)}. Completion policy {facts.policy_id} "
                f"(version {facts.policy_version}) deems the order accepted when its "
                "window passes in silence."
            )
            return
        self._paragraph(
            f"Accepted by {person(decision.decided_by)} on {moment(decision.decided_at)}."
        )
        if decision.reason:
            self._paragraph(f"Reason given: {decision.reason}")
