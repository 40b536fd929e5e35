"""Customer messages rendered from Jinja2 templates: a subject, a plain-text and an HTML part.

The templates ship inside the package (``templates/``); a folder given at start-up may hold
files of the same names, which win. Every template is compiled and tried on sample facts when the
renderer is built, so a broken or misnamed override stops start-up naming its file instead of
failing a message days later.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from order_completion.integrations.messages.model import (
    AppointmentDetails,
    DeliveredItem,
    MessageContext,
    MessageKind,
    Person,
    RenderedMessage,
)

PARTS = ("subject.txt", "txt", "html")
PARTIALS = (
    "_layout.html",
    "_footer.txt",
    "_items.html",
    "_items.txt",
    "_appointment.html",
    "_appointment.txt",
)


class TemplateProblem(Exception):
    """A message template cannot be used; the message names the file and what is wrong."""


def template_names() -> tuple[str, ...]:
    """Every file name a template folder may hold."""
    return (*(f"{kind}.{part}" for kind in MessageKind for part in PARTS), *PARTIALS)


class MessageRenderer:
    """Turns a ``MessageContext`` into the subject and both parts of a message kind."""

    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = [
            jinja2.PackageLoader("order_completion.integrations.messages", "templates")
        ]
        if override_dir is not None:
            _check_folder(override_dir)
            loaders.insert(0, jinja2.FileSystemLoader(override_dir))
        self._environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._environment.filters["day"] = _day
        self._environment.filters["moment"] = _moment
        for kind in MessageKind:
            self.render(kind, SAMPLE)
            self.render(kind, replace(BARE, appointment=SAMPLE.appointment))

    def render(self, kind: MessageKind, context: MessageContext) -> RenderedMessage:
        values: dict[str, Any] = {f.name: getattr(context, f.name) for f in fields(context)}
        values["kind"] = kind
        subject, text, html = (self._render(f"{kind}.{part}", values) for part in PARTS)
        return RenderedMessage(kind=kind, subject=" ".join(subject.split()), text=text, html=html)

    def _render(self, name: str, values: dict[str, Any]) -> str:
        try:
            return self._environment.get_template(name).render(values)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(
                f"{error.filename or name}, line {error.lineno}: {error.message}"
            ) from None
        except jinja2.TemplateNotFound as error:
            raise TemplateProblem(f"{name}: includes {error.name}, which does not exist") from None
        except jinja2.TemplateError as error:
            raise TemplateProblem(f"{name}: {error}") from None


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise TemplateProblem(f"{folder}: the message template folder does not exist")
    known = set(template_names())
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name not in known and not path.name.startswith("."):
            raise TemplateProblem(
                f"{path}: not a message template name; expected one of {', '.join(sorted(known))}"
            )


def _day(value: date | None) -> str:
    return value.strftime("%d %B %Y").lstrip("0") if value else ""


def _moment(value: datetime | None) -> str:
    return value.strftime("%d %B %Y, %H:%M %Z").lstrip("0").strip() if value else ""


_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

# Facts with every field filled (and, below, only the required ones): each template is tried
# on both when the renderer is built.
SAMPLE = MessageContext(
    customer_name="Sample Customer",
    order_id="order-1",
    case_id="case-1",
    recipient_name="Sample Recipient",
    items=(DeliveredItem(name="Fibre line", offering="Business Fibre 1G"),),
    start_of_service=_START.date(),
    acceptance_window_end=_START + timedelta(days=14),
    punch_list=("Label the patch panel",),
    rejection_reason="Throughput below contract",
    appointment=AppointmentDetails(
        uid="appointment-1@order-completion",
        start=_START,
        end=_START + timedelta(hours=2),
        place="Head office",
        trainer=Person(name="Trainer", email="trainer@example.com"),
        topics=("Portal",),
    ),
    help_contact=Person(name="Service desk", email="help@example.com", phone="+1 555 0100"),
    portal_link="https://portal.example.com/case-1",
    survey_link="https://survey.example.com/case-1",
)

BARE = MessageContext(customer_name="Sample Customer", order_id="order-1", case_id="case-1")
