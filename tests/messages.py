"""Facts of one customer message with every field filled, shared by the message tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from order_completion.integrations.messages.model import (
    AppointmentDetails,
    DeliveredItem,
    MessageContext,
    Person,
)

VISIT = AppointmentDetails(
    uid="visit-7@order-completion",
    start=datetime(2026, 12, 3, 14, 30, tzinfo=UTC),
    end=datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
    place="Riverside depot, gate 2",
    trainer=Person(name="Ola Trainer", email="ola@example.net"),
    topics=("VPN portal", "Fault reporting"),
    attendees=(Person(name="Mia Berg", email="mia@harbour.example"),),
    stamp=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
)
CONTEXT = MessageContext(
    customer_name="Harbour Logistics",
    order_id="PO-4711",
    case_id="case-99",
    recipient_name="Mia Berg",
    items=(DeliveredItem("Dedicated fibre 10G", "Enterprise Fibre"), DeliveredItem("Router")),
    start_of_service=date(2026, 11, 30),
    acceptance_window_end=datetime(2026, 12, 14, 17, 0, tzinfo=UTC),
    punch_list=("Replace the damaged patch cord",),
    rejection_reason="Latency above the agreed 5 ms",
    appointment=VISIT,
    help_contact=Person(name="Service desk", email="desk@example.net", phone="+47 800 12 345"),
    portal_link="https://portal.example.net/case-99",
    survey_link="https://survey.example.net/s/99",
)
