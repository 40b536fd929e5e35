"""Pure rules of the web pages: where a sign-in may lead back to, how risky a case looks,
reading the little text fields of the forms, and how the report page shows its period
and figures.

Standard library only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

HOME = "/workspace"

# Worst first: what the workspace sorts its queues by, and the words shown beside the colour.
JEOPARDY_WORDS = {
    "breach": "Late: past its target",
    "warning": "At risk: near its target",
    "none": "On track",
}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never ``//host`` or a full
    URL, which would let a link send someone elsewhere after they signed in)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return HOME
    return target


def names_in(text: str) -> list[str]:
    """The names of a text field holding one per line or comma-separated, trimmed, blank
    ones dropped, each once."""
    names: list[str] = []
    for part in text.replace("\n", ",").split(","):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def local_moment(text: str) -> datetime | None:
    """A ``datetime-local`` field's value (``2026-12-01T09:00``), taken as UTC; None when
    it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def day(text: str) -> date | None:
    """A ``date`` field's value (``2026-12-01``); None when it is not one."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def last_days(today: date, days: int) -> tuple[date, date]:
    """The ``days`` days ending with ``today``, as a report's ``from`` (included) and ``to``
    (excluded: the day after today, so that today's cases count)."""
    end = today + timedelta(days=1)
    return end - timedelta(days=days), end


def percent(share: float) -> str:
    """A share (0.755) as a page shows it: a percentage to one decimal (75.5%)."""
    return f"{share * 100:.1f}%"


def day_or_moment(moment: datetime) -> str:
    """A period's bound as a page shows it: the day alone when it is midnight UTC (as a
    date field sends it), else the moment to the second."""
    moment = moment.astimezone(UTC)
    if moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
