"""The acceptance certificate rendered from plain facts: what it says (read back from the
PDF's text), that it is byte-for-byte reproducible, and how it spans pages."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
from datetime import UTC, datetime

import pypdf
import pytest

from order_completion.acceptance.certificate import RenderedCertificate, render_certificate
from order_completion.acceptance.certificate_facts import (
    CertificateFacts,
    CertifiedItem,
    DeemedAcceptance,
    Evidence,
    ExplicitAcceptance,
    PassedTest,
    Person,
    window_rule,
)
from order_completion.acceptance.certificate_typeface import (
    CORE_TYPEFACE,
    Typeface,
    code_points_for_missing,
    find_typeface,
    latin1,
)
from order_completion.policies.schema import Period
from tests.conftest import unavailable

RUN = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
ACCEPTED = datetime(2026, 11, 26, 10, 15, tzinfo=UTC)
REPORT = Evidence("throughput-report.pdf", "application/pdf", hashlib.sha256(b"report").hexdigest())
PHOTO = Evidence("rack-photo.jpg", "image/jpeg", hashlib.sha256(b"photo").hexdigest())
SIGNED = Evidence("signed-acceptance.pdf", "application/pdf", hashlib.sha256(b"sig").hexdigest())
WITNESS = Person("Zoë Ångström", role="IT manager")


def explicit_facts() -> CertificateFacts:
    return CertificateFacts(
        case_id="case-0001",
        customer_id="CUST-42",
        customer_name="Łukasz Wiśniewski",
        product_order_id="PO-B2B-7",
        items=(
            CertifiedItem("1", "add", "ETH-1G", "Managed Ethernet 1 Gbit/s", "PRD-900"),
            CertifiedItem("2", "modify", "SDWAN", "Managed SD-WAN"),
        ),
        tests=(
            PassedTest("Throughput (Y.1564)", "passed", "998 Mbit/s", WITNESS, RUN, (REPORT,)),
            PassedTest("Latency", "passed", "4.1 ms", WITNESS, RUN, (REPORT, PHOTO)),
        ),
        decision=ExplicitAcceptance(
            Person("Dana Smith", "C-42", "Director"), ACCEPTED, "All tests met", (SIGNED,)
        ),
        start_of_service=ACCEPTED,
        policy_id="business-managed",
        policy_version=3,
        issued_at=ACCEPTED,
    )


def deemed_facts() -> CertificateFacts:
    window_start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    window_end = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return dataclasses.replace(
        explicit_facts(),
        decision=DeemedAcceptance(
            "5 business days, public holidays of GB excluded", window_start, window_end
        ),
        start_of_service=window_end,
        issued_at=window_end,
    )


def unicode_typeface() -> Typeface:
    typeface = find_typeface()
    if not typeface.is_unicode:
        unavailable("no Unicode TrueType font installed (Debian: fonts-dejavu-core)")
    return typeface


def text_of(certificate: RenderedCertificate) -> str:
    reader = pypdf.PdfReader(io.BytesIO(certificate.pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def compact(text: str) -> str:
    """The text without white space, so a hash wrapped over two lines reads whole."""
    return "".join(text.split())


def test_an_explicit_certificate_states_who_accepted_what_on_which_evidence() -> None:
    text = text_of(render_certificate(explicit_facts(), unicode_typeface()))

    assert "Acceptance certificate" in text
    assert "Łukasz Wiśniewski (id CUST-42)" in text
    assert "PO-B2B-7" in text
    assert "case-0001" in text
    assert "ETH-1G - Managed Ethernet 1 Gbit/s PRD-900" in text
    assert "2 modify SDWAN - Managed SD-WAN" in text
    assert "Throughput (Y.1564) passed 998 Mbit/s Zoë Ångström (IT manager)" in text
    assert "Latency passed 4.1 ms Zoë Ångström (IT manager)" in text
    assert "2026-11-24 14:30 UTC" in text
    for file in (REPORT, PHOTO, SIGNED):
        assert file.file_name in text
        assert file.sha256 in compact(text)
        assert file.sha256 not in text  # wrapped in its column: two lines of 32
        assert file.sha256[:32] in text
        assert file.sha256[32:] in text
    assert "Accepted by Dana Smith (Director, id C-42) on 2026-11-26 10:15 UTC." in text
    assert "Reason given: All tests met" in text
    assert "The service started on 2026-11-26 10:15 UTC." in text
    assert "Deemed" not in text
    assert "policy business-managed, version 3" in text


def test_evidence_shared_by_the_tests_of_a_run_is_listed_once() -> None:
    text = text_of(render_certificate(explicit_facts(), unicode_typeface()))

    assert compact(text).count(REPORT.sha256) == 1
    rows = " ".join(text.split())
    assert "every test" in rows  # the report backs both tests
    assert "test Latency" in rows  # the photo backs one
    assert "the decision" in rows


def test_a_deemed_certificate_states_the_rule_and_the_window_instead_of_a_person() -> None:
    text = " ".join(text_of(render_certificate(deemed_facts(), unicode_typeface())).split())

    assert (
        "Deemed accepted: no decision was received within the acceptance window of "
        "5 business days, public holidays of GB excluded, which ran from 2026-11-23 09:00 UTC "
        "to 2026-11-30 09:00 UTC." in text
    )
    assert "Completion policy business-managed (version 3)" in text
    assert "Accepted by" not in text
    assert SIGNED.file_name not in text  # evidence of a decision that was never made
    assert "The service started on 2026-11-30 09:00 UTC." in text


def test_a_certificate_without_tests_or_evidence_says_so() -> None:
    facts = dataclasses.replace(deemed_facts(), tests=())

    text = text_of(render_certificate(facts, unicode_typeface()))

    assert "No commissioning test was recorded for this case." in text
    assert "No evidence was attached." in text


def test_the_same_facts_render_byte_identical_pdfs_with_their_sha256() -> None:
    first = render_certificate(explicit_facts(), unicode_typeface())
    second = render_certificate(explicit_facts(), unicode_typeface())

    assert first.pdf == second.pdf
    assert first.sha256 == second.sha256 == hashlib.sha256(first.pdf).hexdigest()
    assert first.pdf.startswith(b"%PDF-")
    metadata = pypdf.PdfReader(io.BytesIO(first.pdf)).metadata
    assert metadata is not None
    assert metadata["/CreationDate"] == "D:20261126101500Z"
    assert metadata["/Producer"] == "order-completion"


def test_another_process_renders_the_same_bytes() -> None:
    """Nothing in the document depends on the process (string hashing, say)."""
    script = (
        "from tests.unit.test_acceptance_certificate import explicit_facts;"
        "from order_completion.acceptance.certificate import render_certificate;"
        "print(render_certificate(explicit_facts()).sha256)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == render_certificate(explicit_facts()).sha256


def test_different_facts_give_a_different_hash() -> None:
    facts = dataclasses.replace(explicit_facts(), product_order_id="PO-B2B-8")

    assert render_certificate(facts).sha256 != render_certificate(explicit_facts()).sha256


def test_many_items_and_tests_span_pages_with_every_row_and_numbered_pages() -> None:
    items = tuple(
        CertifiedItem(str(n), "add", f"OFFER-{n}", f"Site link {n}", f"PRD-{n}")
        for n in range(1, 61)
    )
    tests = tuple(
        PassedTest(f"Check {n}", "passed", f"{n} ms", WITNESS, RUN, (REPORT,)) for n in range(1, 61)
    )
    facts = dataclasses.replace(explicit_facts(), items=items, tests=tests)

    certificate = render_certificate(facts, unicode_typeface())

    pages = pypdf.PdfReader(io.BytesIO(certificate.pdf)).pages
    assert len(pages) >= 3
    text = text_of(certificate)
    for n in range(1, 61):
        assert f"OFFER-{n} - Site link {n} PRD-{n}" in text
        assert f"Check {n} passed {n} ms Zoë Ångström" in text
    last = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Completion case case-0001 - page {number} of {last}" in page.extract_text()
    assert "Item Action Product offering Product" in pages[1].extract_text()  # heading repeated


def test_a_name_the_font_cannot_draw_is_written_as_code_points_never_left_out() -> None:
    facts = explicit_facts()
    signer = Person("王伟 Wang", "C-43", "Director")
    assert isinstance(facts.decision, ExplicitAcceptance)
    decision = dataclasses.replace(facts.decision, decided_by=signer)
    signed_by_wang = dataclasses.replace(facts, decision=decision)
    text = text_of(render_certificate(signed_by_wang, unicode_typeface()))

    assert "Accepted by [U+738B U+4F1F] Wang (Director, id C-43)" in text


def test_only_characters_outside_the_font_become_code_points() -> None:
    covered = frozenset(map(ord, "Dana Smith"))
    assert code_points_for_missing("Dana Smith", covered) == "Dana Smith"
    assert code_points_for_missing("王伟", covered) == "[U+738B U+4F1F]"
    assert code_points_for_missing("Dana 王 Smith", covered) == "Dana [U+738B] Smith"
    assert code_points_for_missing("ab\ncd", frozenset(map(ord, "abcd"))) == "ab\ncd"


def test_the_core_typeface_spells_letters_outside_latin1_with_their_base_letter() -> None:
    text = text_of(render_certificate(explicit_facts(), CORE_TYPEFACE))

    assert "Lukasz Wisniewski (id CUST-42)" in text
    assert "Zoë Ångström (IT manager)" in text  # Latin-1 letters stay as they are
    assert REPORT.sha256 in compact(text)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Zoë Ångström", "Zoë Ångström"),
        ("Łukasz Żółć", "Lukasz Zólc"),
        ("Đorđe Œuvre — “ok”", 'Dorde OEuvre - "ok"'),
        ("Σωκράτης", "????????"),
        ("ﬁeld", "field"),
    ],
)
def test_latin1_keeps_latin1_and_spells_the_rest(name: str, shown: str) -> None:
    assert latin1(name) == shown


@pytest.mark.parametrize(
    ("window", "rule"),
    [
        ({"businessDays": 5, "country": "gb"}, "5 business days, public holidays of GB excluded"),
        ({"businessDays": 1}, "1 business day"),
        ({"days": 2}, "2 days"),
        ({"hours": 36}, "36 hours"),
        ({"minutes": 1}, "1 minute"),
        ({"duration": "PT0S"}, "PT0S (ISO 8601 duration)"),
    ],
)
def test_the_deemed_rule_says_the_window_as_the_policy_set_it(
    window: dict[str, object], rule: str
) -> None:
    assert window_rule(Period.model_validate(window)) == rule
