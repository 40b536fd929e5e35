"""What may change on a logged interaction.

An interaction the service logged itself (a notice, a reminder, a decision) is the record of
something that happened: staff may annotate it, never rewrite or remove it. Interactions
staff logged by hand stay theirs to correct.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from enum import StrEnum
from typing import Any


class Origin(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


ANNOTATIONS = frozenset({"note"})


def refused_change(
    origin: Origin,
    given: Set[str],
    notes_before: Sequence[dict[str, Any]],
    notes_after: Sequence[dict[str, Any]],
) -> str | None:
    """The first attribute a patch may not change on an interaction of this origin, or
    None. On an automatic record only new notes may be appended after the existing ones."""
    if origin is Origin.MANUAL:
        return None
    for name in sorted(given):
        if name not in ANNOTATIONS:
            return name
    if "note" in given and list(notes_after[: len(notes_before)]) != list(notes_before):
        return "note"
    return None


# The channel of the interactions the service logs itself: what marks them as its records.
SERVICE_CHANNEL_ID = "orderCompletion"
SERVICE_CHANNEL_ROLE = "system"


def claims_the_service_channel(channels: Sequence[dict[str, Any]]) -> bool:
    """Whether a channel list names the service's own channel (by its id or its role),
    which only the interactions the service logs itself may carry."""
    return any(
        channel.get("id") == SERVICE_CHANNEL_ID or channel.get("role") == SERVICE_CHANNEL_ROLE
        for channel in channels
    )


def stamped_notes(
    notes: Sequence[dict[str, Any]], kept: int, stamp: dict[str, Any]
) -> list[dict[str, Any]]:
    """``notes`` with every one after the first ``kept`` signed with ``stamp`` (the author
    and date the service sets), whatever author and date the caller wrote: a record's
    notes say who added them and when."""
    return [*notes[:kept], *({**note, **stamp} for note in notes[kept:])]
