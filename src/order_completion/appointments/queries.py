"""Reading appointments for other features (the messages that carry an invitation): they ask
here rather than query this feature's table.

An appointment is handed out as its row, read in a session of its own and detached when
that closes, so the caller holds values that no later change alters; ``Appointment`` is
that row's type, which ``calendar.details`` and ``calendar.invitation`` take.
"""

from __future__ import annotations

from order_completion.appointments.tables import Appointment
from order_completion.database import Database

__all__ = ["Appointment", "appointment_by_id"]


async def appointment_by_id(db: Database, appointment_id: str) -> Appointment | None:
    """The appointment as it stands now, or ``None`` when there is no such appointment."""
    async with db.read() as session:
        return await session.get(Appointment, appointment_id)
