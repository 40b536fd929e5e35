"""Message templates: every kind shows its facts in both parts, HTML is escaped, and a template
folder overrides bundled files or stops start-up naming the file that is wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from order_completion.integrations.messages.model import (
    AppointmentChange,
    MessageContext,
    MessageKind,
)
from order_completion.integrations.messages.rendering import MessageRenderer, TemplateProblem
from tests.messages import CONTEXT, VISIT

# The facts each kind must show, in the text part and in the HTML part alike.
FACTS = {
    MessageKind.READY_FOR_SERVICE_NOTICE: [
        "Dedicated fibre 10G",
        "30 November 2026",
        "14 December 2026",
    ],
    MessageKind.ACCEPTANCE_REMINDER: ["Router", "14 December 2026"],
    MessageKind.REJECTION_RECEIVED: [
        "Latency above the agreed 5 ms",
        "Replace the damaged patch cord",
    ],
    MessageKind.ACCEPTANCE_CONFIRMATION: ["Enterprise Fibre", "certificate", "30 November 2026"],
    MessageKind.COMMISSIONING_INVITATION: ["3 December 2026, 14:30", "Riverside depot, gate 2"],
    MessageKind.TRAINING_INVITATION: ["Ola Trainer", "VPN portal", "Fault reporting"],
    MessageKind.COMPLETION_WELCOME: ["Dedicated fibre 10G", "+47 800 12 345", "desk@example.net"],
    MessageKind.SATISFACTION_SURVEY: ["https://survey.example.net/s/99"],
}


@pytest.fixture(scope="module")
def renderer() -> MessageRenderer:
    return MessageRenderer()


def test_every_kind_has_its_facts_in_the_subject_text_and_html(renderer: MessageRenderer) -> None:
    """Each message kind names the order in its subject and shows its own facts in both parts."""
    assert set(FACTS) == set(MessageKind)
    for kind, facts in FACTS.items():
        message = renderer.render(kind, CONTEXT)
        assert message.kind is kind
        assert "PO-4711" in message.subject
        assert "\n" not in message.subject
        for part in (message.text, message.html):
            assert "Mia Berg" in part
            assert "case-99" in part
            for fact in facts:
                assert fact in part, (kind, fact)
        assert message.html.startswith("<!doctype html>")


def test_invitations_say_when_an_appointment_changed_or_was_cancelled(
    renderer: MessageRenderer,
) -> None:
    """An updated or cancelled appointment is said so in the subject and the body."""
    for kind in (MessageKind.COMMISSIONING_INVITATION, MessageKind.TRAINING_INVITATION):
        scheduled = renderer.render(kind, CONTEXT)
        updated = renderer.render(
            kind, replace(CONTEXT, appointment=replace(VISIT, change=AppointmentChange.UPDATED))
        )
        cancelled = renderer.render(
            kind, replace(CONTEXT, appointment=replace(VISIT, change=AppointmentChange.CANCELLED))
        )
        assert not scheduled.subject.startswith(("Changed", "Cancelled"))
        assert updated.subject.startswith("Changed: ")
        assert "CHANGED" in updated.text
        assert "replaces the earlier one" in updated.html
        assert cancelled.subject.startswith("Cancelled: ")
        assert "CANCELLED" in cancelled.text
        assert "<strong>cancelled</strong>" in cancelled.html


def test_html_escapes_what_the_customer_wrote_and_text_keeps_it(
    renderer: MessageRenderer,
) -> None:
    """A name or reason holding markup is shown as text in HTML, never run."""
    hostile = replace(
        CONTEXT,
        customer_name="<script>alert(1)</script>",
        recipient_name=None,
        rejection_reason='"><img src=x onerror=alert(2)>',
    )
    message = renderer.render(MessageKind.REJECTION_RECEIVED, hostile)
    assert "<script>" not in message.html
    assert "<img" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "&lt;img src=x onerror=alert(2)&gt;" in message.html
    assert "Dear <script>alert(1)</script>," in message.text


def test_a_message_without_optional_facts_still_reads_well(renderer: MessageRenderer) -> None:
    """Unknown facts leave their sentences out instead of showing 'None'."""
    bare = MessageContext(customer_name="Harbour Logistics", order_id="PO-1", case_id="c-1")
    for kind in set(MessageKind) - {
        MessageKind.COMMISSIONING_INVITATION,
        MessageKind.TRAINING_INVITATION,
    }:
        message = renderer.render(kind, bare)
        for part in (message.subject, message.text, message.html):
            assert "None" not in part, kind
        assert "Dear Harbour Logistics," in message.text


def test_a_file_in_the_template_folder_replaces_the_bundled_one(tmp_path: Path) -> None:
    """An override of the same name wins; kinds it does not override keep the bundled files."""
    (tmp_path / "satisfactionSurvey.subject.txt").write_text("Rate order {{ order_id }}, please")
    (tmp_path / "satisfactionSurvey.html").write_text(
        "<p>Hej {{ customer_name }}: <a href='{{ survey_link }}'>survey</a></p>"
    )
    renderer = MessageRenderer(tmp_path)
    survey = renderer.render(MessageKind.SATISFACTION_SURVEY, CONTEXT)
    assert survey.subject == "Rate order PO-4711, please"
    assert (
        survey.html
        == "<p>Hej Harbour Logistics: <a href='https://survey.example.net/s/99'>survey</a></p>"
    )
    assert "Answer a few short questions" in survey.text
    welcome = renderer.render(MessageKind.COMPLETION_WELCOME, CONTEXT)
    assert welcome.subject == "Welcome: order PO-4711 is complete"


def test_an_override_is_escaped_like_the_bundled_templates(tmp_path: Path) -> None:
    """Autoescaping does not depend on who wrote the HTML template."""
    (tmp_path / "completionWelcome.html").write_text("<p>{{ customer_name }}</p>")
    html = (
        MessageRenderer(tmp_path)
        .render(MessageKind.COMPLETION_WELCOME, replace(CONTEXT, customer_name="<b>x</b>"))
        .html
    )
    assert html == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("acceptanceReminder.html", "<p>{% if order_id %}</p>", "acceptanceReminder.html, line 1"),
        ("acceptanceReminder.txt", "{{ order_number }}", "'order_number' is undefined"),
        ("acceptanceReminder.txt", '{% include "_missing.txt" %}', "_missing.txt"),
        ("acceptanceRemainder.txt", "{{ order_id }}", "acceptanceRemainder.txt: not a message"),
    ],
)
def test_a_broken_override_stops_the_renderer_naming_its_file(
    tmp_path: Path, name: str, content: str, problem: str
) -> None:
    """Syntax errors, unknown facts, missing includes and misnamed files fail at start-up."""
    (tmp_path / name).write_text(content)
    with pytest.raises(TemplateProblem) as raised:
        MessageRenderer(tmp_path)
    assert problem in str(raised.value)
    assert name in str(raised.value) or "_missing.txt" in str(raised.value)


def test_a_template_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    """A typo in the folder setting is reported, not silently ignored."""
    with pytest.raises(TemplateProblem, match="templets: the message template folder"):
        MessageRenderer(tmp_path / "templets")
